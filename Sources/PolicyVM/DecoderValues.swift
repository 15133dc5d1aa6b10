#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PolicyLanguage

/// The member names of the request contract, matched by length then bytes.
enum Key {
    case subject, audience, scopes, location, time, risk, onBehalfOf, context
    case id, kind, blueprint, sponsor, groups, created, attributes
    case ip, country, level, score, signals
    case unknown

    @inline(__always)
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { self = .unknown; return }
        @inline(__always) func isName(_ name: StaticString) -> Bool { memcmp(name.utf8Start, base, bytes.count) == 0 }
        // Dispatch on length first: at most five comparisons per member name.
        switch bytes.count {
        case 2: self = isName("id") ? .id : isName("ip") ? .ip : .unknown
        case 4: self = isName("kind") ? .kind : isName("time") ? .time : isName("risk") ? .risk : .unknown
        case 5: self = isName("level") ? .level : isName("score") ? .score : .unknown
        case 6: self = isName("scopes") ? .scopes : isName("groups") ? .groups : .unknown
        case 7:
            self = isName("subject") ? .subject : isName("sponsor") ? .sponsor : isName("country") ? .country
                : isName("created") ? .created : isName("context") ? .context : isName("signals") ? .signals : .unknown
        case 8: self = isName("audience") ? .audience : isName("location") ? .location : .unknown
        case 9: self = isName("blueprint") ? .blueprint : .unknown
        case 10: self = isName("attributes") ? .attributes : .unknown
        case 12: self = isName("on_behalf_of") ? .onBehalfOf : .unknown
        default: self = .unknown
        }
    }
}

/// Typed values of the request contract.
extension RequestDecoder {
    /// A string, interned when the policies mention it.
    @inline(__always)
    mutating func stringCell(_ path: JSONPath) throws(DecodeFailure) -> Cell {
        let (offset, length) = try cursor.string(into: frame, path)
        let id = symbols.find(frame.bytes + offset, length)
        return Cell(a: Int64(id), b: Int64(offset), c: Int64(length))
    }

    /// An optional string signal; `null` reads as absent.
    mutating func optionalString(_ signal: Signal, _ path: JSONPath) throws(DecodeFailure) {
        if cursor.null() { return }
        frame.set(signal, try stringCell(path))
    }

    /// An array of strings as a set: duplicates dropped, first occurrences in order.
    mutating func stringSet(_ path: JSONPath, depth: Int) throws(DecodeFailure) -> Cell {
        guard depth <= Frame.maxDepth else {
            throw DecodeFailure(path: path, message: "nesting deeper than \(Frame.maxDepth) levels")
        }
        cursor.skipSpace()
        guard cursor.peek == UInt8(ascii: "["), !cursor.atEnd else {
            throw cursor.fail(path, "expected an array of strings, found \(cursor.valueKindName())")
        }
        cursor.position += 1
        let start = frame.elementCount
        cursor.skipSpace()
        if cursor.peek == UInt8(ascii: "]"), !cursor.atEnd {
            cursor.position += 1
            return Cell(a: 0, b: Int64(start), c: 0)
        }
        var index = 0
        while true {
            guard index < Frame.maxSetElements else {
                throw DecodeFailure(path: path, message: "a set may hold at most \(Frame.maxSetElements) elements")
            }
            addElement(try stringCell(path.with(index: index)), setStart: start)
            index += 1
            cursor.skipSpace()
            if cursor.peek == UInt8(ascii: ","), !cursor.atEnd { cursor.position += 1; continue }
            try cursor.expect(UInt8(ascii: "]"), path, "`,` or `]`")
            break
        }
        return Cell(a: 0, b: Int64(start), c: Int64(frame.elementCount - start))
    }

    /// Appends a string to the set that began at `setStart` unless it is already in it.
    mutating func addElement(_ cell: Cell, setStart: Int) {
        var i = setStart
        while i < frame.elementCount {
            if VMValues.stringsEqual(frame.elements[i], cell, frame: frame.bytes) { return }
            i += 1
        }
        guard frame.elementCount < frame.elementCapacity else { return }
        frame.elements[frame.elementCount] = cell
        frame.elementCount += 1
    }

    mutating func kind(_ path: JSONPath) throws(DecodeFailure) -> UInt8 {
        let (offset, length) = try cursor.string(into: frame, path)
        let text = UnsafeBufferPointer(start: frame.bytes + offset, count: length)
        let k = RequestDecoder.nameIndex(text, "agent", "user", "workload", "service")
        if k >= 0 { return UInt8(k) }
        throw DecodeFailure(path: path, message: "`\(String(decoding: text, as: UTF8.self))` is not a subject kind (agent, user, workload, service)")
    }

    mutating func riskLevel(_ path: JSONPath) throws(DecodeFailure) -> UInt8 {
        let (offset, length) = try cursor.string(into: frame, path)
        let text = UnsafeBufferPointer(start: frame.bytes + offset, count: length)
        let r = RequestDecoder.nameIndex(text, "none", "low", "medium", "high")
        if r >= 0 { return UInt8(r) }
        throw DecodeFailure(path: path, message: "`\(String(decoding: text, as: UTF8.self))` is not a risk level (none, low, medium, high)")
    }

    mutating func timestamp(_ path: JSONPath) throws(DecodeFailure) -> Int64 {
        let (offset, length) = try cursor.string(into: frame, path)
        let text = UnsafeBufferPointer(start: frame.bytes + offset, count: length)
        guard let seconds = TextFormats.timestamp(text) else {
            throw DecodeFailure(path: path, message: "`\(String(decoding: text, as: UTF8.self))` is not an RFC 3339 timestamp")
        }
        return seconds
    }

    /// Which of four names `text` is (-1 = none), without building a String.
    private static func nameIndex(_ text: UnsafeBufferPointer<UInt8>, _ n0: StaticString, _ n1: StaticString,
                                  _ n2: StaticString, _ n3: StaticString) -> Int {
        guard let base = text.baseAddress else { return -1 }
        func same(_ name: StaticString) -> Bool {
            name.utf8CodeUnitCount == text.count && memcmp(name.utf8Start, base, text.count) == 0
        }
        if same(n0) { return 0 }
        if same(n1) { return 1 }
        if same(n2) { return 2 }
        if same(n3) { return 3 }
        return -1
    }
}
