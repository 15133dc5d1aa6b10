#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PolicyLanguage

/// Why a request did not decode: the JSON path and a one-line message.
/// The message is only built when decoding fails.
struct DecodeFailure: Error {
    var path: JSONPath
    var message: String
}

/// Where in the request a value sits, without building a string until an
/// error needs one: `base` + `.name` and `[index]` in the order they were
/// added + `.suffix` (`on_behalf_of[2].id`, `subject.attributes.tags[3]`,
/// `on_behalf_of[0].colour`).
struct JSONPath {
    var base: JSONField
    var suffix = JSONField.root
    var index: Int32 = -1
    /// A member name whose bytes are in the frame (start -1 = none).
    var name = TableRange(start: -1, count: 0)
    /// The name was added to an element (`[0].colour`), not the element to a name.
    var nameAfterIndex = false

    init(_ base: JSONField) { self.base = base }

    func with(name: TableRange) -> JSONPath {
        var p = self
        p.name = name
        p.nameAfterIndex = index >= 0
        return p
    }
    func with(index: Int) -> JSONPath { var p = self; p.index = Int32(truncatingIfNeeded: index); return p }
    func with(suffix: JSONField) -> JSONPath { var p = self; p.suffix = suffix; return p }

    func render(_ frame: Frame) -> String {
        var text = base.rawValue
        if name.start >= 0, !nameAfterIndex { text += (text.isEmpty ? "" : ".") + frame.text(name) }
        if index >= 0 { text += "[\(index)]" }
        if name.start >= 0, nameAfterIndex { text += "." + frame.text(name) }
        if suffix != .root { text += (text.isEmpty ? "" : ".") + suffix.rawValue }
        return text
    }
}

/// The fixed member paths of the request contract, as one byte each, so a
/// path travels in registers and its text is only built for an error.
enum JSONField: String {
    case root = ""
    case subject = "subject"
    case audience = "audience"
    case scopes = "scopes"
    case location = "location"
    case time = "time"
    case risk = "risk"
    case onBehalfOf = "on_behalf_of"
    case context = "context"
    case subjectId = "subject.id"
    case subjectKind = "subject.kind"
    case subjectBlueprint = "subject.blueprint"
    case subjectSponsor = "subject.sponsor"
    case subjectGroups = "subject.groups"
    case subjectRisk = "subject.risk"
    case subjectCreated = "subject.created"
    case subjectAttributes = "subject.attributes"
    case locationIp = "location.ip"
    case locationCountry = "location.country"
    case riskLevel = "risk.level"
    case riskScore = "risk.score"
    case riskSignals = "risk.signals"
    case id = "id"
    case kind = "kind"
}

/// The scalar readers of the request decoder: whitespace, strings (escapes,
/// UTF-8 validation), integers, literals. They read `input` from `position`
/// and write unescaped string bytes into the frame.
struct JSONCursor {
    let base: UnsafePointer<UInt8>
    let end: Int
    var position = 0

    init(_ input: UnsafeRawBufferPointer) {
        // An empty buffer may have no base address; point at a static byte instead.
        base = input.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? JSONCursor.empty
        end = input.count
    }

    nonisolated(unsafe) private static let empty: UnsafePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafePointer(p)
    }()

    @inline(__always) var atEnd: Bool { position >= end }
    @inline(__always) var peek: UInt8 { position < end ? base[position] : 0 }

    @inline(__always) mutating func skipSpace() {
        while position < end {
            let b = base[position]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            position += 1
        }
    }

    /// The common member: a name among `members` (a `Key.Members` set) with
    /// its `:` right after it, matched as words read in place. Nil, having
    /// consumed only whitespace, for anything else. Transparent: as
    /// `@inline(__always)` it stayed a call in five places.
    @_transparent
    mutating func knownMember(_ members: UInt32) -> Key? {
        skipSpace()
        let p = position
        guard p + 18 <= end, base[p] == UInt8(ascii: "\"") else { return nil }
        let raw = UnsafeRawPointer(base + p + 1)
        let w0 = raw.loadUnaligned(as: UInt64.self), w1 = (raw + 8).loadUnaligned(as: UInt64.self)
        // A known name has no escapes, so it ends at the first `"`.
        let length: Int
        let first = StringScan.bytes(of: w0, equalTo: UInt8(ascii: "\""))
        if first != 0 {
            length = first.trailingZeroBitCount >> 3
        } else {
            let second = StringScan.bytes(of: w1, equalTo: UInt8(ascii: "\""))
            guard second != 0 else { return nil }
            length = 8 + second.trailingZeroBitCount >> 3
        }
        guard length > 0 else { return nil }
        let key = Key(length: length, w0, w1)
        guard members & 1 << UInt32(key.rawValue) != 0, base[p + length + 2] == UInt8(ascii: ":") else { return nil }
        position = p + length + 3
        return key
    }

    /// Skips whitespace and consumes `byte`, or fails.
    @inline(__always) mutating func expect(_ byte: UInt8, _ path: JSONPath,
                                           _ what: StaticString) throws(DecodeFailure) {
        skipSpace()
        guard peek == byte, position < end else { throw fail(path, "expected \(what)") }
        position += 1
    }

    func fail(_ path: JSONPath, _ message: String) -> DecodeFailure {
        if position >= end { return DecodeFailure(path: path, message: "unexpected end of the request") }
        return DecodeFailure(path: path, message: message)
    }

    /// What kind of JSON value starts here (after whitespace), for type errors.
    mutating func valueKindName() -> String {
        skipSpace()
        switch peek {
        case UInt8(ascii: "\""): return "a string"
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "["): return "an array"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return "a boolean"
        case UInt8(ascii: "n"): return "null"
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return "a number"
        default: return "an unexpected character"
        }
    }

    /// Reads a JSON string, unescaped and validated, into `frame.bytes`; returns (offset, length).
    @inline(__always)
    mutating func string(into frame: Frame, _ path: JSONPath) throws(DecodeFailure) -> (Int, Int) {
        if let plain = plainString(into: frame) { return plain }
        return try carefulString(into: frame, path)
    }

    /// The common case, inlined at every caller and without the path (which
    /// is only needed for errors): a plain ASCII string, no escapes, at most
    /// `Frame.maxString` bytes. Nil, having consumed only whitespace, otherwise.
    @inline(__always)
    mutating func plainString(into frame: Frame) -> (Int, Int)? {
        skipSpace()
        guard position < end, base[position] == UInt8(ascii: "\"") else { return nil }
        let from = position + 1
        let limit = min(end, from + Frame.maxString + 1)
        var scan = StringScan.skipPlain(base, from: from, to: limit, stopAtNonASCII: true)
        while scan < limit {
            let b = base[scan]
            guard b &- 0x20 < 0x60, b != 0x22, b != 0x5C else { break }
            scan += 1
        }
        guard scan < end, base[scan] == UInt8(ascii: "\""), scan - from <= Frame.maxString else { return nil }
        let length = scan - from
        let start = frame.byteCount
        let out = frame.bytes + start
        if length <= 16, from + 16 <= end {
            // Two unaligned words instead of a call to memmove (the frame keeps
            // 1 KiB of slack past the input's length, and the input holds 16 bytes here).
            (UnsafeMutableRawPointer(out)).storeBytes(of: UnsafeRawPointer(base + from).loadUnaligned(as: UInt64.self),
                                                      as: UInt64.self)
            (UnsafeMutableRawPointer(out) + 8).storeBytes(
                of: UnsafeRawPointer(base + from + 8).loadUnaligned(as: UInt64.self), as: UInt64.self)
        } else {
            out.update(from: base + from, count: length)
        }
        position = scan + 1
        frame.byteCount = start + length
        return (start, length)
    }

    /// The common case once more, hashed (`SymbolTable.hash`) in the same pass
    /// that finds its end and copies it, a word at a time. Nil, having
    /// consumed only whitespace, when the string is not plain ASCII, is too
    /// long, or ends within eight bytes of the input's end.
    @inline(__always)
    mutating func hashedString(into frame: Frame) -> (offset: Int, length: Int, hash: UInt64)? {
        skipSpace()
        guard position < end, base[position] == UInt8(ascii: "\"") else { return nil }
        let from = position + 1
        let start = frame.byteCount
        // Whole words are stored before they are checked: the frame keeps
        // 1 KiB of slack past the input's length.
        let out = UnsafeMutableRawPointer(frame.bytes + start)
        var h = SymbolTable.hashSeed
        var i = 0
        while from + i + 8 <= end, i <= Frame.maxString {
            let w = UnsafeRawPointer(base + from + i).loadUnaligned(as: UInt64.self)
            out.storeBytes(of: w, toByteOffset: i, as: UInt64.self)
            let special = StringScan.specials(w, stopAtNonASCII: true)
            if special != 0 {
                let k = special.trailingZeroBitCount >> 3
                let length = i + k
                guard base[from + length] == UInt8(ascii: "\""), length <= Frame.maxString else { return nil }
                if k > 0 { h = SymbolTable.mixTail(h, w & SymbolTable.tailMask(k)) }
                position = from + length + 1
                frame.byteCount = start + length
                return (start, length, SymbolTable.finish(h, length: length))
            }
            h = SymbolTable.mixWord(h, w)
            i += 8
        }
        return nil
    }

    /// Any string: escapes, non-ASCII (validated), errors with their path.
    @inline(never)
    mutating func carefulString(into frame: Frame, _ path: JSONPath) throws(DecodeFailure) -> (Int, Int) {
        skipSpace()
        guard peek == UInt8(ascii: "\""), position < end else {
            throw fail(path, "expected a string, found \(valueKindName())")
        }
        position += 1
        let out = frame.bytes
        let start = frame.byteCount
        var n = start
        while true {
            guard position < end else { throw fail(path, "unterminated string") }
            let b = base[position]
            if b == UInt8(ascii: "\"") {
                position += 1
                break
            }
            if n - start >= Frame.maxString {
                throw DecodeFailure(path: path, message: "string longer than \(Frame.maxString) bytes")
            }
            if b == UInt8(ascii: "\\") {
                position += 1
                guard position < end else { throw fail(path, "unterminated string") }
                let e = base[position]
                position += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out[n] = e; n += 1
                case UInt8(ascii: "n"): out[n] = 0x0A; n += 1
                case UInt8(ascii: "t"): out[n] = 0x09; n += 1
                case UInt8(ascii: "r"): out[n] = 0x0D; n += 1
                case UInt8(ascii: "b"): out[n] = 0x08; n += 1
                case UInt8(ascii: "f"): out[n] = 0x0C; n += 1
                case UInt8(ascii: "u"): n += try unicodeEscape(into: out + n, path)
                default: throw DecodeFailure(path: path, message: "invalid escape `\\\(Character(Unicode.Scalar(e)))` in a string")
                }
            } else if b < 0x20 {
                throw DecodeFailure(path: path, message: "control character in a string must be escaped")
            } else if b < 0x80 {
                out[n] = b; n += 1; position += 1
            } else {
                let length = utf8SequenceLength(at: position)
                guard length > 0 else { throw DecodeFailure(path: path, message: "invalid UTF-8 in a string") }
                for i in 0..<length { out[n + i] = base[position + i] }
                n += length
                position += length
            }
        }
        let length = n - start
        guard length <= Frame.maxString else {
            throw DecodeFailure(path: path, message: "string longer than \(Frame.maxString) bytes")
        }
        frame.byteCount = n
        return (start, length)
    }

    /// `\uXXXX` (after the `u`), with surrogate pairs; writes UTF-8, returns its length.
    private mutating func unicodeEscape(into out: UnsafeMutablePointer<UInt8>,
                                        _ path: JSONPath) throws(DecodeFailure) -> Int {
        var scalar = try hex4(path)
        if (0xD800..<0xDC00).contains(scalar) {
            guard position + 1 < end, base[position] == UInt8(ascii: "\\"), base[position + 1] == UInt8(ascii: "u")
            else { throw DecodeFailure(path: path, message: "unpaired surrogate in a \\u escape") }
            position += 2
            let low = try hex4(path)
            guard (0xDC00..<0xE000).contains(low) else {
                throw DecodeFailure(path: path, message: "unpaired surrogate in a \\u escape")
            }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(scalar) {
            throw DecodeFailure(path: path, message: "unpaired surrogate in a \\u escape")
        }
        switch scalar {
        case 0..<0x80:
            out[0] = UInt8(scalar); return 1
        case 0x80..<0x800:
            out[0] = UInt8(0xC0 | scalar >> 6); out[1] = UInt8(0x80 | scalar & 0x3F); return 2
        case 0x800..<0x10000:
            out[0] = UInt8(0xE0 | scalar >> 12); out[1] = UInt8(0x80 | scalar >> 6 & 0x3F)
            out[2] = UInt8(0x80 | scalar & 0x3F); return 3
        default:
            out[0] = UInt8(0xF0 | scalar >> 18); out[1] = UInt8(0x80 | scalar >> 12 & 0x3F)
            out[2] = UInt8(0x80 | scalar >> 6 & 0x3F); out[3] = UInt8(0x80 | scalar & 0x3F); return 4
        }
    }

    private mutating func hex4(_ path: JSONPath) throws(DecodeFailure) -> UInt32 {
        guard position + 4 <= end else { throw fail(path, "invalid \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let d = hexDigit(base[position]) else { throw DecodeFailure(path: path, message: "invalid \\u escape") }
            v = v << 4 | UInt32(d)
            position += 1
        }
        return v
    }

    /// Length of the valid UTF-8 sequence starting at `i` (a non-ASCII lead byte), or 0.
    @inline(__always) private func utf8SequenceLength(at i: Int) -> Int {
        let b0 = base[i]
        func cont(_ k: Int) -> UInt8? { i + k < end && base[i + k] & 0xC0 == 0x80 ? base[i + k] : nil }
        switch b0 {
        case 0xC2...0xDF:
            return cont(1) != nil ? 2 : 0
        case 0xE0...0xEF:
            guard let b1 = cont(1), cont(2) != nil else { return 0 }
            if b0 == 0xE0 && b1 < 0xA0 { return 0 }  // overlong
            if b0 == 0xED && b1 >= 0xA0 { return 0 } // surrogates
            return 3
        case 0xF0...0xF4:
            guard let b1 = cont(1), cont(2) != nil, cont(3) != nil else { return 0 }
            if b0 == 0xF0 && b1 < 0x90 { return 0 }  // overlong
            if b0 == 0xF4 && b1 >= 0x90 { return 0 } // above U+10FFFF
            return 4
        default:
            return 0
        }
    }

    /// A JSON integer (no fraction or exponent) in Int64.
    mutating func integer(_ path: JSONPath) throws(DecodeFailure) -> Int64 {
        skipSpace()
        let negative = peek == UInt8(ascii: "-")
        if negative { position += 1 }
        guard position < end, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(base[position]) else {
            if negative { throw fail(path, "invalid number") }
            throw fail(path, "expected an integer, found \(valueKindName())")
        }
        if base[position] == UInt8(ascii: "0"), position + 1 < end,
           (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(base[position + 1]) {
            throw DecodeFailure(path: path, message: "invalid number: leading zero")
        }
        var value: Int64 = 0
        while position < end, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(base[position]) {
            let digit = Int64(base[position] - UInt8(ascii: "0"))
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = negative ? m.subtractingReportingOverflow(digit) : m.addingReportingOverflow(digit)
            guard !o1, !o2 else { throw DecodeFailure(path: path, message: "integer out of range") }
            value = s
            position += 1
        }
        if position < end, base[position] == UInt8(ascii: ".") || base[position] | 0x20 == UInt8(ascii: "e") {
            throw DecodeFailure(path: path, message: "expected an integer, found a fractional number")
        }
        return value
    }

    /// `true` or `false`.
    mutating func boolean(_ path: JSONPath) throws(DecodeFailure) -> Bool {
        skipSpace()
        if matchLiteral("true") { return true }
        if matchLiteral("false") { return false }
        throw fail(path, "expected a boolean, found \(valueKindName())")
    }

    /// Consumes `null` if it is next.
    mutating func null() -> Bool {
        skipSpace()
        return matchLiteral("null")
    }

    private mutating func matchLiteral(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard position + n <= end else { return false }
        let w = word.utf8Start
        for k in 0..<n where base[position + k] != w[k] { return false }
        position += n
        return true
    }

    /// Skips any JSON value, validating it, with the nesting bound.
    mutating func skipValue(into frame: Frame, depth: Int, _ path: JSONPath) throws(DecodeFailure) {
        guard depth <= Frame.maxDepth else {
            throw DecodeFailure(path: path, message: "nesting deeper than \(Frame.maxDepth) levels")
        }
        skipSpace()
        switch peek {
        case UInt8(ascii: "\""):
            let mark = frame.byteCount
            _ = try string(into: frame, path)
            frame.byteCount = mark
        case UInt8(ascii: "{"):
            position += 1
            skipSpace()
            if peek == UInt8(ascii: "}") { position += 1; return }
            while true {
                let mark = frame.byteCount
                _ = try string(into: frame, path)
                frame.byteCount = mark
                try expect(UInt8(ascii: ":"), path, "`:`")
                try skipValue(into: frame, depth: depth + 1, path)
                skipSpace()
                if peek == UInt8(ascii: ","), position < end { position += 1; continue }
                try expect(UInt8(ascii: "}"), path, "`,` or `}`")
                return
            }
        case UInt8(ascii: "["):
            position += 1
            skipSpace()
            if peek == UInt8(ascii: "]") { position += 1; return }
            while true {
                try skipValue(into: frame, depth: depth + 1, path)
                skipSpace()
                if peek == UInt8(ascii: ","), position < end { position += 1; continue }
                try expect(UInt8(ascii: "]"), path, "`,` or `]`")
                return
            }
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try boolean(path)
        case UInt8(ascii: "n"):
            guard null() else { throw fail(path, "invalid JSON value") }
        default:
            try number(path)
        }
    }

    /// Skips a JSON number of any form.
    private mutating func number(_ path: JSONPath) throws(DecodeFailure) {
        let start = position
        if peek == UInt8(ascii: "-") { position += 1 }
        var digits = 0
        while position < end, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(base[position]) { position += 1; digits += 1 }
        guard digits > 0 else { position = start; throw fail(path, "invalid JSON value") }
        if peek == UInt8(ascii: "."), position < end {
            position += 1
            var fraction = 0
            while position < end, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(base[position]) { position += 1; fraction += 1 }
            guard fraction > 0 else { throw fail(path, "invalid number") }
        }
        if peek | 0x20 == UInt8(ascii: "e"), position < end {
            position += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
            var exponent = 0
            while position < end, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(base[position]) { position += 1; exponent += 1 }
            guard exponent > 0 else { throw fail(path, "invalid number") }
        }
    }
}
