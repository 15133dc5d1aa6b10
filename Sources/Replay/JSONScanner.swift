import Foundation
import PolicyVM

/// A byte range inside a line or an answer buffer.
struct ByteSpan: Equatable {
    var start: Int
    var end: Int
    static let none = ByteSpan(start: 0, end: -1)
    var isPresent: Bool { end >= start }
    var count: Int { end - start }
}

/// Where the fields replay needs sit in a decision-log line:
/// found by one pass over the top level, without building values.
struct FieldSpans {
    var request = ByteSpan.none
    /// The string's contents, without the quotes.
    var time = ByteSpan.none
    var decision = ByteSpan.none
    var policies = ByteSpan.none
    var controls = ByteSpan.none
    var reportOnly = ByteSpan.none
}

/// Why a line is not a JSON object, in the words of a diagnostic.
enum ScanFailure: Error {
    case notAnObject
    case truncated
    case malformed
    case tooDeep

    var message: String {
        switch self {
        case .notAnObject: "the line is not a JSON object"
        case .truncated: "the line is truncated"
        case .malformed: "the line is not valid JSON"
        case .tooDeep: "the line nests deeper than 64 levels"
        }
    }
}

/// A small structural JSON scanner for the replay hot path: it finds value
/// ranges and checks nesting, strings and literals; the full grammar of a
/// request is checked by the engine's decoder, that of an answer by `Answer(json:)`.
enum JSONScanner {
    /// Scans a whole line that must hold exactly one JSON object.
    static func scanObject(_ p: UnsafeRawBufferPointer) -> Result<FieldSpans, ScanFailure> {
        scanObject(p) { _, _ in nil }
    }

    /// Scans a whole line that must hold exactly one JSON object. When it
    /// reaches a `request` object, it first offers it to `decodeRequest`
    /// (its start, and the `time` seen so far), which returns the offset just
    /// past the object if it decoded it: the request is then read once, not
    /// skipped here and decoded again. Otherwise the scanner skips it.
    @inline(__always)
    static func scanObject(_ p: UnsafeRawBufferPointer,
                           decodeRequest: (Int, ByteSpan) -> Int?) -> Result<FieldSpans, ScanFailure> {
        var i = 0
        skipSpace(p, &i)
        guard i < p.count, p[i] == UInt8(ascii: "{") else {
            return .failure(i == p.count ? .truncated : .notAnObject)
        }
        i += 1
        var spans = FieldSpans()
        if let failure = scanMembers(p, &i, into: &spans, decodeRequest: decodeRequest) {
            return .failure(failure)
        }
        skipSpace(p, &i)
        return i == p.count ? .success(spans) : .failure(.malformed)
    }

    @inline(__always)
    private static func scanMembers(_ p: UnsafeRawBufferPointer, _ i: inout Int,
                                    into spans: inout FieldSpans,
                                    decodeRequest: (Int, ByteSpan) -> Int?) -> ScanFailure? {
        let n = p.count
        skipSpace(p, &i)
        if i < n, p[i] == UInt8(ascii: "}") { i += 1; return nil }
        while true {
            skipSpace(p, &i)
            guard i < n else { return .truncated }
            guard p[i] == UInt8(ascii: "\"") else { return .malformed }
            let keyStart = i + 1
            guard skipString(p, &i) else { return .truncated }
            let keyEnd = i - 1
            skipSpace(p, &i)
            guard i < n else { return .truncated }
            guard p[i] == UInt8(ascii: ":") else { return .malformed }
            i += 1
            skipSpace(p, &i)
            let valueStart = i
            if keyEnd - keyStart == 7, i < n, p[i] == UInt8(ascii: "{"), matches(p, keyStart..<keyEnd, "request"),
               let end = decodeRequest(i, spans.time) {
                i = end
            } else if let failure = skipValue(p, &i) {
                return failure
            }
            record(p, key: keyStart..<keyEnd, value: ByteSpan(start: valueStart, end: i), into: &spans)
            skipSpace(p, &i)
            guard i < n else { return .truncated }
            if p[i] == UInt8(ascii: ",") { i += 1; continue }
            if p[i] == UInt8(ascii: "}") { i += 1; return nil }
            return .malformed
        }
    }

    private static func record(_ p: UnsafeRawBufferPointer, key: Range<Int>, value: ByteSpan, into spans: inout FieldSpans) {
        switch key.count {
        case 4 where matches(p, key, "time"):
            if p[value.start] == UInt8(ascii: "\"") { spans.time = ByteSpan(start: value.start + 1, end: value.end - 1) }
            else { spans.time = ByteSpan(start: value.start, end: value.start) }
        case 7 where matches(p, key, "request"): spans.request = value
        case 8 where matches(p, key, "decision"): spans.decision = value
        case 8 where matches(p, key, "policies"): spans.policies = value
        case 8 where matches(p, key, "controls"): spans.controls = value
        case 11 where matches(p, key, "report_only"): spans.reportOnly = value
        default: break
        }
    }

    @inline(__always)
    private static func matches(_ p: UnsafeRawBufferPointer, _ key: Range<Int>, _ name: StaticString) -> Bool {
        memcmp(p.baseAddress! + key.lowerBound, name.utf8Start, key.count) == 0
    }

    @inline(__always)
    static func skipSpace(_ p: UnsafeRawBufferPointer, _ i: inout Int) {
        while i < p.count {
            let c = p[i]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            i += 1
        }
    }

    /// `i` at the opening quote; on success, just past the closing quote.
    @inline(__always)
    static func skipString(_ p: UnsafeRawBufferPointer, _ i: inout Int) -> Bool {
        var j = i + 1
        let n = p.count
        if let base = p.baseAddress { j = StringScan.skipPlain(base, from: j, to: n, stopAtNonASCII: false) }
        while j < n {
            let c = p[j]
            if c == UInt8(ascii: "\"") { i = j + 1; return true }
            if c == UInt8(ascii: "\\") { j += 2; continue }
            if c < 0x20 { return false }
            j += 1
        }
        return false
    }

    /// Skips one value; containers are checked for balance and bracket kind
    /// with a 64-level bit stack.
    static func skipValue(_ p: UnsafeRawBufferPointer, _ i: inout Int) -> ScanFailure? {
        let n = p.count
        guard i < n else { return .truncated }
        switch p[i] {
        case UInt8(ascii: "\""):
            return skipString(p, &i) ? nil : (memchr(p.baseAddress! + i + 1, 0x22, n - i - 1) == nil ? .truncated : .malformed)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            return skipContainer(p, &i)
        case UInt8(ascii: "t"): return skipLiteral(p, &i, "true")
        case UInt8(ascii: "f"): return skipLiteral(p, &i, "false")
        case UInt8(ascii: "n"): return skipLiteral(p, &i, "null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = i
            while i < n, isNumberByte(p[i]) { i += 1 }
            return i > start ? nil : .malformed
        default:
            return .malformed
        }
    }

    private static func skipContainer(_ p: UnsafeRawBufferPointer, _ i: inout Int) -> ScanFailure? {
        let n = p.count
        var arrays: UInt64 = 0  // bit d set: level d is an array
        var depth = 0
        while i < n {
            let c = p[i]
            switch c {
            case UInt8(ascii: "\""):
                guard skipString(p, &i) else { return .truncated }
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard depth < 64 else { return .tooDeep }
                if c == UInt8(ascii: "[") { arrays |= 1 << UInt64(depth) } else { arrays &= ~(1 << UInt64(depth)) }
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard depth > 0 else { return .malformed }
                depth -= 1
                let isArray = arrays & (1 << UInt64(depth)) != 0
                guard isArray == (c == UInt8(ascii: "]")) else { return .malformed }
                if depth == 0 { i += 1; return nil }
            default:
                break
            }
            i += 1
        }
        return .truncated
    }

    private static func skipLiteral(_ p: UnsafeRawBufferPointer, _ i: inout Int, _ word: StaticString) -> ScanFailure? {
        let length = word.utf8CodeUnitCount
        guard i + length <= p.count else { return .truncated }
        guard memcmp(p.baseAddress! + i, word.utf8Start, length) == 0 else { return .malformed }
        i += length
        return nil
    }

    @inline(__always)
    private static func isNumberByte(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+")
            || c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
    }

    /// Byte-equality of two spans in possibly different buffers.
    @inline(__always)
    static func equal(_ a: UnsafeRawBufferPointer, _ sa: ByteSpan, _ b: UnsafeRawBufferPointer, _ sb: ByteSpan) -> Bool {
        guard sa.isPresent, sb.isPresent, sa.count == sb.count else { return false }
        return memcmp(a.baseAddress! + sa.start, b.baseAddress! + sb.start, sa.count) == 0
    }

    /// True when the span holds exactly the given bytes.
    @inline(__always)
    static func equal(_ a: UnsafeRawBufferPointer, _ sa: ByteSpan, _ literal: StaticString) -> Bool {
        guard sa.isPresent, sa.count == literal.utf8CodeUnitCount else { return false }
        return memcmp(a.baseAddress! + sa.start, literal.utf8Start, sa.count) == 0
    }
}
