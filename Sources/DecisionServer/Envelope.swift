#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The operations of the socket protocol.
public enum Operation: Equatable, Sendable {
    case evaluate, token, health, stats, reload
    /// An `op` this server does not know (its raw bytes are not kept).
    case unknown
}

/// A parsed protocol line: where its parts lie in the line's bytes.
///
/// Nothing is copied: `id` and `request` are byte ranges into the line, so the
/// id is echoed exactly as sent and the request reaches the evaluator untouched.
public struct Envelope: Equatable, Sendable {
    /// The raw JSON scalar of `id`, or nil when the line has none (echoed as `null`).
    public var id: Range<Int>?
    public var operation: Operation
    /// The raw JSON value of `request`, when present.
    public var request: Range<Int>?
}

/// Why a line was refused before any operation ran.
public struct EnvelopeError: Error, Equatable, Sendable {
    /// `bad_request` or `unknown_op`.
    public var code: String
    public var message: String
    /// The id, when the line got far enough to have one.
    public var id: Range<Int>?
}

/// Reads the protocol envelope `{"id":…,"op":"…","request":{…}}` of one line.
///
/// The whole line is validated as JSON (the request too, so the decision log
/// only ever copies well-formed JSON); unknown envelope members are ignored.
public enum EnvelopeScanner {
    /// The longest `id` echoed back: ids are correlation tokens, not payloads.
    public static let maximumIDLength = 256

    public static func scan(_ line: UnsafeRawBufferPointer) -> Result<Envelope, EnvelopeError> {
        var id: Range<Int>?
        do throws(EnvelopeError) {
            var scanner = JSONValidator(line)
            var operation: Operation?
            var request: Range<Int>?
            scanner.skipWhitespace()
            guard !scanner.atEnd, scanner.current == UInt8(ascii: "{") else {
                throw EnvelopeError(code: "bad_request", message: "a line must be one JSON object", id: nil)
            }
            scanner.index += 1
            scanner.skipWhitespace()
            var done = !scanner.atEnd && scanner.current == UInt8(ascii: "}")
            if done { scanner.index += 1 }
            while !done {
                let key = try Self.key(&scanner)
                let valueStart = Self.valueStart(&scanner)
                try Self.syntax { () throws(JSONSyntaxError) in try scanner.skipValue(depth: 1) }
                let value = valueStart..<scanner.index
                switch key {
                case .id:
                    guard id == nil else { throw EnvelopeError(code: "bad_request", message: "duplicate `id`", id: nil) }
                    id = try Self.checkID(value, in: line)
                case .op:
                    guard operation == nil else { throw EnvelopeError(code: "bad_request", message: "duplicate `op`", id: id) }
                    operation = try Self.operation(value, in: line, id: id)
                case .request:
                    guard request == nil else { throw EnvelopeError(code: "bad_request", message: "duplicate `request`", id: id) }
                    request = value
                case .other:
                    break
                }
                done = try Self.syntax { () throws(JSONSyntaxError) in try scanner.endOfMembers(closer: UInt8(ascii: "}")) }
            }
            scanner.skipWhitespace()
            guard scanner.atEnd else {
                throw EnvelopeError(code: "bad_request", message: "unexpected bytes after the JSON object", id: nil)
            }
            guard let operation else { throw EnvelopeError(code: "bad_request", message: "missing `op`", id: id) }
            if operation == .unknown {
                throw EnvelopeError(code: "unknown_op", message: "unknown `op`; expected evaluate, token, health, stats or reload", id: id)
            }
            if operation == .evaluate || operation == .token, request == nil {
                throw EnvelopeError(code: "bad_request", message: operation == .token ? "missing `params`" : "missing `request`", id: id)
            }
            return .success(Envelope(id: id, operation: operation, request: request))
        } catch {
            return .failure(error)
        }
    }

    private enum Key { case id, op, request, other }

    private static func syntax<T>(_ body: () throws(JSONSyntaxError) -> T) throws(EnvelopeError) -> T {
        do {
            return try body()
        } catch {
            throw EnvelopeError(code: "bad_request", message: "invalid JSON at byte \(error.offset): \(error.message)", id: nil)
        }
    }

    private static func key(_ scanner: inout JSONValidator) throws(EnvelopeError) -> Key {
        scanner.skipWhitespace()
        guard !scanner.atEnd, scanner.current == UInt8(ascii: "\"") else {
            throw EnvelopeError(code: "bad_request", message: "invalid JSON at byte \(scanner.index): expected a string key", id: nil)
        }
        let start = scanner.index + 1
        let escaped = try Self.syntax { () throws(JSONSyntaxError) in try scanner.skipString() }
        let end = scanner.index - 1
        try Self.syntax { () throws(JSONSyntaxError) in try scanner.expect(UInt8(ascii: ":"), "expected `:` after a key") }
        if escaped { return .other }
        let name = UnsafeRawBufferPointer(rebasing: scanner.bytes[start..<end])
        if Self.equals(name, "id") { return .id }
        if Self.equals(name, "op") { return .op }
        // `op: token` carries its OAuth parameters as `params`.
        if Self.equals(name, "request") || Self.equals(name, "params") { return .request }
        return .other
    }

    private static func valueStart(_ scanner: inout JSONValidator) -> Int {
        scanner.skipWhitespace()
        return scanner.index
    }

    private static func checkID(_ range: Range<Int>, in line: UnsafeRawBufferPointer) throws(EnvelopeError) -> Range<Int> {
        let first = line[range.lowerBound]
        guard first != UInt8(ascii: "{"), first != UInt8(ascii: "[") else {
            throw EnvelopeError(code: "bad_request", message: "`id` must be a JSON scalar (string, number, boolean or null)", id: nil)
        }
        guard range.count <= Self.maximumIDLength else {
            throw EnvelopeError(code: "bad_request", message: "`id` is longer than \(Self.maximumIDLength) bytes", id: nil)
        }
        return range
    }

    private static func operation(
        _ range: Range<Int>, in line: UnsafeRawBufferPointer, id: Range<Int>?
    ) throws(EnvelopeError) -> Operation {
        guard line[range.lowerBound] == UInt8(ascii: "\""), range.count >= 2 else {
            throw EnvelopeError(code: "bad_request", message: "`op` must be a string", id: id)
        }
        let name = UnsafeRawBufferPointer(rebasing: line[(range.lowerBound + 1)..<(range.upperBound - 1)])
        if Self.equals(name, "evaluate") { return .evaluate }
        if Self.equals(name, "health") { return .health }
        if Self.equals(name, "stats") { return .stats }
        if Self.equals(name, "reload") { return .reload }
        if Self.equals(name, "token") { return .token }
        return .unknown
    }

    /// Byte equality with a literal; `elementsEqual` over `String.UTF8View`
    /// was a visible share of every request's cost.
    private static func equals(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        bytes.count == literal.utf8CodeUnitCount
            && (bytes.count == 0 || memcmp(bytes.baseAddress!, literal.utf8Start, bytes.count) == 0)
    }
}
