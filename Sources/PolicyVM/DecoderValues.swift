#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PolicyLanguage

/// The member names of the request contract, matched as one or two
/// little-endian words by length: no call, no loop.
enum Key: UInt8 {
    case subject, audience, scopes, location, time, risk, onBehalfOf, context
    case id, kind, blueprint, sponsor, groups, created, attributes
    case ip, country, level, score, signals
    case unknown

    /// The members each object of the contract has, as bit sets of `Key`s.
    enum Members {
        static var request: UInt32 {
            bit(.subject) | bit(.audience) | bit(.scopes) | bit(.location) | bit(.time) | bit(.risk)
                | bit(.onBehalfOf) | bit(.context)
        }
        static var subject: UInt32 {
            bit(.id) | bit(.kind) | bit(.blueprint) | bit(.sponsor) | bit(.groups) | bit(.risk) | bit(.created)
                | bit(.attributes)
        }
        static var location: UInt32 { bit(.ip) | bit(.country) }
        static var risk: UInt32 { bit(.level) | bit(.score) | bit(.signals) }
        static var actor: UInt32 { bit(.id) | bit(.kind) }

        @inline(__always) private static func bit(_ key: Key) -> UInt32 { 1 << UInt32(key.rawValue) }
    }

    /// The name in `bytes` (any pointer; copied into words first).
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, (1...16).contains(bytes.count) else { self = .unknown; return }
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { $0.baseAddress!.copyMemory(from: base, byteCount: bytes.count) }
        self.init(length: bytes.count, words.0, words.1)
    }

    /// The name of `length` (1…16) bytes whose first sixteen bytes are the
    /// words `w0`, `w1` (bytes past the name are ignored).
    @inline(__always)
    init(length: Int, _ w0: UInt64, _ w1: UInt64) {
        let low = length >= 8 ? w0 : w0 & ((1 << (UInt64(length) &* 8)) &- 1)
        let high = length <= 8 ? 0 : length >= 16 ? w1 : w1 & ((1 << (UInt64(length &- 8) &* 8)) &- 1)
        // Each constant is the name's UTF-8 bytes read as a little-endian word
        // ("id" = 0x6469); `DecoderTests.keyWordsMatchTheirNames` checks each.
        var key = Key.unknown
        switch length {
        case 2: key = low == 0x6469 ? .id : low == 0x7069 ? .ip : .unknown
        case 4: key = low == 0x656d_6974 ? .time : low == 0x6b73_6972 ? .risk : low == 0x646e_696b ? .kind : .unknown
        case 5: key = low == 0x6c_6576_656c ? .level : low == 0x65_726f_6373 ? .score : .unknown
        case 6: key = low == 0x7365_706f_6373 ? .scopes : low == 0x7370_756f_7267 ? .groups : .unknown
        case 7:
            switch low {
            case 0x74_6365_6a62_7573: key = .subject
            case 0x74_7865_746e_6f63: key = .context
            case 0x72_6f73_6e6f_7073: key = .sponsor
            case 0x64_6574_6165_7263: key = .created
            case 0x79_7274_6e75_6f63: key = .country
            case 0x73_6c61_6e67_6973: key = .signals
            default: break
            }
        case 8: key = low == 0x6563_6e65_6964_7561 ? .audience : low == 0x6e6f_6974_6163_6f6c ? .location : .unknown
        case 9: key = low == 0x6e69_7270_6575_6c62 && high == 0x74 ? .blueprint : .unknown
        case 10: key = low == 0x7475_6269_7274_7461 && high == 0x7365 ? .attributes : .unknown
        case 12: key = low == 0x6c61_6865_625f_6e6f && high == 0x666f_5f66 ? .onBehalfOf : .unknown
        default: break
        }
        self = key
    }
}

/// Typed values of the request contract.
extension RequestDecoder {
    /// A string, interned when the policies mention it. Transparent: as
    /// `@inline(__always)` it stayed a call, about ten per request.
    @_transparent
    mutating func stringCell(_ path: JSONPath) throws(DecodeFailure) -> Cell {
        if let (offset, length, hash) = cursor.hashedString(into: frame) {
            return Cell(a: Int64(symbols.find(frame.bytes + offset, length, hash: hash)), b: Int64(offset),
                        c: Int64(length))
        }
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
