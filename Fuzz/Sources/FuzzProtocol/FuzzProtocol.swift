import DecisionServer
import Foundation
import FuzzPolicies
import Logging
import NIOCore
import NIOEmbedded
import PolicyVM

// Drives the server's real connection pipeline (what `agate serve` installs on
// an accepted socket) through an `EmbeddedChannel`: the input arrives in reads
// of fuzzer-chosen sizes, and the answers are checked against a model of the
// protocol built here, independently of the server's code.

/// No clock, so an answer depends on its request only and the harness can
/// compute the same answer on its own evaluator; a report-only policy, so
/// answers carry `report_only`.
let policies = FuzzPolicies.text(name: "fuzz-protocol", clock: false, reportOnly: true)

/// One server (the line limit is per server) and what its `stats` must say:
/// the counts of every answer the harness has seen it give, since start.
final class Served {
    let server: DecisionServer
    let lineLimit: Int
    var allow: UInt64 = 0
    var deny: UInt64 = 0
    var errors: [String: UInt64] = [:]
    var policyHits: [String: UInt64] = [:]
    /// Lines answered, over-long ones excepted (they record no latency).
    var answered: UInt64 = 0

    init(lineLimit: Int) {
        var configuration = ServerConfiguration(policyPaths: [policyPath], socketPath: "/nonexistent/agate-fuzz.sock")
        configuration.maximumLineLength = lineLimit
        configuration.idleTimeout = nil
        self.lineLimit = lineLimit
        self.server = try! DecisionServer(configuration: configuration, logger: Logger(label: "fuzz") { _ in
            SwiftLogNoOpLogHandler()
        })
    }
}

/// The servers load their policies from a file: a temporary one, removed
/// once they and the harness's own evaluator have read it.
let policyPath = NSTemporaryDirectory() + "agate-fuzz-protocol-\(getpid()).agate"

/// The set the servers load, loaded the same way, for the harness's own evaluator.
let compiled: CompiledPolicySet = {
    try! policies.write(toFile: policyPath, atomically: true, encoding: .utf8)
    guard case .compiled(let set, _, _) = PolicySetLoader.load(paths: [policyPath]) else {
        fatalError("the fuzz policy set does not compile")
    }
    return set
}()
nonisolated(unsafe) var evaluator = Evaluator(compiled)
/// A small line limit, so over-long lines are common, and the server's default.
nonisolated(unsafe) var servers: [Served] = {
    _ = compiled
    let servers = [Served(lineLimit: 256), Served(lineLimit: 64 * 1024)]
    try? FileManager.default.removeItem(atPath: policyPath)
    return servers
}()
let loop = EmbeddedEventLoop()
let peerAddress = try! SocketAddress(unixDomainSocketPath: "/nonexistent/agate-fuzz-peer.sock")

/// libFuzzer entry point. Byte 0 picks the server (bit 0), when reads end a
/// burst (bits 1–2: every read, only the last, or at random) and the largest
/// read (bits 3–5: 1 to 4,096 bytes or everything); byte 1 seeds the read
/// sizes. The rest is what the peer sends, after which it half-closes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProtocol(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let served = servers[Int(data[0] & 1)]
    let burstMode = (data[0] >> 1) & 3
    let largestRead = [1, 2, 3, 7, 16, 100, 4096, Int.max][Int(data[0] >> 3) & 7]
    var random = UInt32(data[1]) &* 0x9E37_79B9 | 1
    let input = Array(UnsafeBufferPointer(start: data + 2, count: size - 2))
    let model = StreamModel(input, lineLimit: served.lineLimit)

    let channel = EmbeddedChannel(loop: loop)
    try! served.server.initializeConnection(channel)
    try! channel.connect(to: peerAddress).wait()

    /// Answers received and checked, and answers due so far.
    var received = 0
    var due = 0
    /// Collects what the server wrote since the last burst and checks each
    /// new answer line: the answers to every line read so far must be out.
    func collect(fed: Int) {
        var output: [UInt8] = []
        while let buffer = try! channel.readOutbound(as: ByteBuffer.self) {
            output.append(contentsOf: buffer.readableBytesView)
        }
        while due < model.answers.count, model.answers[due].due <= fed { due += 1 }
        var start = 0
        while let newline = output[start...].firstIndex(of: UInt8(ascii: "\n")) {
            require(received < due, "an answer nothing was due for, after \(fed) bytes: "
                        + String(decoding: output[start..<newline], as: UTF8.self))
            check(answer: Array(output[start..<newline]), to: model.answers[received].expected, served: served)
            received += 1
            start = newline + 1
        }
        require(start == output.count, "an answer was written without its newline (or split across bursts)")
        require(received == due, "\(received) answers after \(fed) bytes; \(due) lines were due")
        if due > 0, model.answers[due - 1].expected == .overlong {
            require(!channel.isActive, "the connection stayed open after an over-long line")
        }
    }

    var fed = 0
    while fed < input.count, channel.isActive {
        random ^= random << 13; random ^= random >> 17; random ^= random << 5
        let length = largestRead == .max ? input.count - fed : min(input.count - fed, 1 + Int(random) % largestRead)
        var buffer = channel.allocator.buffer(capacity: length)
        buffer.writeBytes(input[fed..<(fed + length)])
        channel.pipeline.syncOperations.fireChannelRead(NIOAny(buffer))
        fed += length
        let endBurst = switch burstMode {
        case 0, 3: true
        case 1: fed == input.count
        default: random & 0x100 != 0 || fed == input.count
        }
        if endBurst {
            channel.pipeline.syncOperations.fireChannelReadComplete()
            collect(fed: fed)
        }
    }
    if channel.isActive {
        // The peer is done sending: every line read is answered, then the server closes.
        channel.pipeline.syncOperations.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
    } else {
        require(model.overlong != nil, "the server closed the connection with no over-long line")
    }
    collect(fed: fed)
    loop.run()
    var closed = false
    channel.closeFuture.assumeIsolated().whenComplete { _ in closed = true }
    require(closed && !channel.isActive, "the connection is still open after the peer's half-close")
    require(fed == input.count || model.overlong != nil, "the server stopped reading early")
    return 0
}

/// `precondition` that also says why in an optimised build (where
/// `precondition` traps without its message).
func require(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #filePath, line: UInt = #line) {
    if !condition { fatalError(message(), file: file, line: line) }
}

// MARK: - The model

/// What a line must be answered with.
enum Expected: Equatable {
    case error(code: String, ids: [ArraySlice<UInt8>?])
    case evaluate(id: ArraySlice<UInt8>?, request: ArraySlice<UInt8>)
    case health(id: ArraySlice<UInt8>?)
    case stats(id: ArraySlice<UInt8>?)
    case overlong
}

/// The protocol's framing, worked out from the whole input at once: which
/// answers are due once the first `fed` bytes have been read.
struct StreamModel {
    /// Each line's answer and the number of bytes after which it is due.
    private(set) var answers: [(due: Int, expected: Expected)] = []
    /// Where the over-long line starts, if there is one.
    private(set) var overlong: Int?

    init(_ input: [UInt8], lineLimit: Int) {
        var start = 0
        while start < input.count {
            guard let newline = input[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                // An unfinished line is answered only when it is already too long
                // (one byte of slack for a `\r`); otherwise it is dropped at the end.
                if input.count - start > lineLimit + 1 { self.markOverlong(start, due: start + lineLimit + 2) }
                return
            }
            var end = newline
            if end > start, input[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            if end - start > lineLimit {
                // Known too long as soon as the limit and the slack byte are exceeded.
                self.markOverlong(start, due: min(start + lineLimit + 2, newline + 1))
                return
            }
            self.answers.append((newline + 1, predict(line: input[start..<end])))
            start = newline + 1
        }
    }

    private mutating func markOverlong(_ start: Int, due: Int) {
        self.overlong = start
        self.answers.append((due, .overlong))
    }
}

/// The answer the protocol contract gives `line`, worked out with this
/// harness's own JSON parser (never the server's envelope scanner).
func predict(line: ArraySlice<UInt8>) -> Expected {
    var parser = JSONParser(Array(line), maximumDepth: 64)
    parser.skipWhitespace()
    guard !parser.atEnd, parser.current == UInt8(ascii: "{") else { return .error(code: "bad_request", ids: [nil]) }
    // The top-level members, each as soon as its value has parsed: the server
    // handles a member before it looks for the comma or brace after it.
    var members: [(key: [UInt8]?, value: Range<Int>)] = []
    var valid = true
    do throws(JSONParser.Failure) {
        try parser.objectMembers(depth: 1) { key, escaped, range, _ in members.append((escaped ? nil : key, range)) }
        parser.skipWhitespace()
        valid = parser.atEnd
    } catch {
        valid = false
    }
    let bytes = parser.bytes
    func raw(_ range: Range<Int>) -> ArraySlice<UInt8> { bytes[range] }

    var id: Range<Int>?
    var op: [UInt8]?
    var request: Range<Int>?
    for member in members {
        switch member.key.map({ String(decoding: $0, as: UTF8.self) }) {
        case "id":
            let first = bytes[member.value.lowerBound]
            if id != nil || first == UInt8(ascii: "{") || first == UInt8(ascii: "[") || member.value.count > 256 {
                return .error(code: "bad_request", ids: [nil])
            }
            id = member.value
        case "op":
            // Errors found at `op` or `request` carry the id read so far.
            guard op == nil, bytes[member.value.lowerBound] == UInt8(ascii: "\"") else {
                return .error(code: "bad_request", ids: [id.map(raw)])
            }
            op = Array(bytes[(member.value.lowerBound + 1)..<(member.value.upperBound - 1)])
        case "request", "params":
            guard request == nil else { return .error(code: "bad_request", ids: [id.map(raw)]) }
            request = member.value
        default:
            break
        }
    }
    guard valid else { return .error(code: "bad_request", ids: [nil]) }
    let echo = id.map(raw)
    guard let op else { return .error(code: "bad_request", ids: [echo]) }
    switch String(decoding: op, as: UTF8.self) {
    case "evaluate":
        guard let request else { return .error(code: "bad_request", ids: [echo]) }
        return .evaluate(id: echo, request: raw(request))
    case "token":
        // No identity store and no keys: token issuance is unavailable.
        guard request != nil else { return .error(code: "bad_request", ids: [echo]) }
        return .error(code: "unavailable", ids: [echo])
    case "health": return .health(id: echo)
    case "stats": return .stats(id: echo)
    // The harness is not the server's own user, and remote reload is off.
    case "reload": return .error(code: "forbidden", ids: [echo])
    default: return .error(code: "unknown_op", ids: [echo])
    }
}

// MARK: - Checking answers

func check(answer: [UInt8], to expected: Expected, served: Served) {
    let text = String(decoding: answer, as: UTF8.self)
    var parser = JSONParser(answer, maximumDepth: 512)
    let parsed = try? parser.document()
    guard case .object(let members)? = parsed else { fatalError("the answer is not a JSON object: \(text)") }
    require(members.first?.key == "id", "the answer does not start with `id`: \(text)")
    let object = Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    require(object.count == members.count, "the answer repeats a member: \(text)")
    /// The answer must begin `{"id":<one of ids, as sent>,`.
    func echoes(_ ids: [ArraySlice<UInt8>?]) -> Bool {
        ids.contains { id in
            let opening = Array("{\"id\":".utf8) + (id.map(Array.init) ?? Array("null".utf8)) + [UInt8(ascii: ",")]
            return answer.starts(with: opening)
        }
    }

    switch expected {
    case .overlong:
        checkError(object, code: "line_too_long", text: text)
        require(echoes([nil]), "an over-long line's answer has an id: \(text)")
        served.errors["line_too_long", default: 0] += 1
        return
    case .error(let code, let ids):
        checkError(object, code: code, text: text)
        require(echoes(ids), "the error answer does not echo the line's id: \(text)")
        served.errors[code, default: 0] += 1
    case .evaluate(let id, let request):
        // Exactly what an evaluator answers for the request's bytes, sliced
        // from the line as sent: framing and carried partial lines lose nothing.
        let outcome = request.withUnsafeBytes { evaluator.decide(json: $0, now: 1_795_435_200) }
        var expectedAnswer = Array("{\"id\":".utf8) + (id.map(Array.init) ?? Array("null".utf8)) + [UInt8(ascii: ",")]
        evaluator.writeAnswerFields(into: &expectedAnswer)
        expectedAnswer.append(UInt8(ascii: "}"))
        require(answer == expectedAnswer,
                     "the evaluate answer differs:\n  got  \(text)\n  want \(String(decoding: expectedAnswer, as: UTF8.self))")
        let decision = object["decision"]?.string
        require(decision == (outcome == .allow ? "allow" : "deny"), "the decision is neither allow nor deny: \(text)")
        require(object["error"] == nil, "an evaluate answer has an `error`: \(text)")
        if outcome == .allow { served.allow += 1 } else { served.deny += 1 }
        for policy in evaluator.matchedPolicies { served.policyHits[compiled.policyName(Int(policy)), default: 0] += 1 }
    case .health(let id):
        require(echoes([id]), "the health answer does not echo the id: \(text)")
        require(object["status"]?.string == "ok", "health is not ok: \(text)")
        require(object["policyset"]?.string == compiled.hash, "health names another policy set: \(text)")
        require(object["policies"]?.integer == UInt64(compiled.policyCount), "health counts policies wrong: \(text)")
        require(object["uptime_s"]?.integer != nil, "health lacks uptime_s: \(text)")
        require(object["connections"]?.integer == 1, "health counts connections wrong: \(text)")
        guard case .object(let reload)? = object["last_reload"] else { fatalError("health lacks last_reload: \(text)") }
        require(reload.contains { $0.key == "ok" && $0.value == .bool(true) }, "the startup load failed: \(text)")
    case .stats(let id):
        require(echoes([id]), "the stats answer does not echo the id: \(text)")
        let decisions = object["decisions"]?.members ?? [:]
        require(decisions["allow"]?.integer == served.allow && decisions["deny"]?.integer == served.deny
                     && decisions["total"]?.integer == served.allow + served.deny,
                     "stats counts decisions wrong (\(served.allow) allowed, \(served.deny) denied): \(text)")
        require(counts(object["errors"]) == served.errors, "stats counts errors wrong (\(served.errors)): \(text)")
        require(counts(object["policies"]) == served.policyHits,
                     "stats counts policies wrong (\(served.policyHits)): \(text)")
        require(object["latency_us"]?.members?["count"]?.integer == served.answered,
                     "stats counts \(served.answered) answered lines wrong: \(text)")
        let connections = object["connections"]?.members ?? [:]
        require(connections["open"]?.integer == 1 && connections["limit"]?.integer == 1024,
                     "stats counts connections wrong: \(text)")
        require(object["decision_log"] == nil, "stats reports a decision log there is not: \(text)")
    }
    served.answered += 1
}

func checkError(_ object: [String: JSON], code: String, text: String) {
    require(object.count == 2, "an error answer has members besides id and error: \(text)")
    guard let error = object["error"]?.members else { fatalError("no `error` object: \(text)") }
    require(error.count == 2 && error["code"]?.string == code, "expected error \(code): \(text)")
    require(!(error["message"]?.string ?? "").isEmpty, "the error has no message: \(text)")
}

/// `{"name": count, …}` as a dictionary.
func counts(_ value: JSON?) -> [String: UInt64]? {
    guard let members = value?.members else { return nil }
    var result: [String: UInt64] = [:]
    for (key, count) in members {
        guard let count = count.integer else { return nil }
        result[key] = count
    }
    return result
}

// MARK: - A strict JSON parser of the harness's own

/// A parsed JSON value: strings decoded (a lone surrogate escape becomes
/// U+FFFD), numbers kept as text.
indirect enum JSON: Equatable {
    case object([Member])
    case array([JSON])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    struct Member: Equatable {
        var key: String
        var value: JSON
    }

    var string: String? { if case .string(let text) = self { text } else { nil } }
    var integer: UInt64? { if case .number(let text) = self { UInt64(text) } else { nil } }
    var members: [String: JSON]? {
        guard case .object(let members) = self else { return nil }
        return Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }
}

/// RFC 8259, strictly: whitespace is space, tab, CR and LF; strings hold no
/// control bytes and only well-formed UTF-8; numbers follow the grammar.
/// Written apart from the server's validator, so that one is checked too.
struct JSONParser {
    struct Failure: Error {}

    let bytes: [UInt8]
    let maximumDepth: Int
    var index = 0

    init(_ bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    var atEnd: Bool { self.index >= self.bytes.count }
    var current: UInt8 { self.bytes[self.index] }

    mutating func skipWhitespace() {
        while !self.atEnd {
            switch self.current {
            case 0x20, 0x09, 0x0A, 0x0D: self.index += 1
            default: return
            }
        }
    }

    /// The whole input as one value, with nothing after it but whitespace.
    mutating func document() throws(Failure) -> JSON {
        let value = try self.value(depth: 0)
        self.skipWhitespace()
        guard self.atEnd else { throw Failure() }
        return value
    }

    private mutating func take(_ byte: UInt8) throws(Failure) {
        self.skipWhitespace()
        guard !self.atEnd, self.current == byte else { throw Failure() }
        self.index += 1
    }

    mutating func value(depth: Int) throws(Failure) -> JSON {
        self.skipWhitespace()
        guard !self.atEnd else { throw Failure() }
        switch self.current {
        case UInt8(ascii: "{"):
            var members: [JSON.Member] = []
            try self.objectMembers(depth: depth + 1) { key, _, _, value in
                members.append(JSON.Member(key: String(decoding: key, as: UTF8.self), value: value))
            }
            return .object(members)
        case UInt8(ascii: "["):
            guard depth + 1 <= self.maximumDepth else { throw Failure() }
            self.index += 1
            var items: [JSON] = []
            self.skipWhitespace()
            if !self.atEnd, self.current == UInt8(ascii: "]") {
                self.index += 1
                return .array(items)
            }
            while true {
                items.append(try self.value(depth: depth + 1))
                self.skipWhitespace()
                guard !self.atEnd else { throw Failure() }
                if self.current == UInt8(ascii: "]") { self.index += 1; return .array(items) }
                try self.take(UInt8(ascii: ","))
            }
        case UInt8(ascii: "\""):
            return .string(String(decoding: try self.string().decoded, as: UTF8.self))
        case UInt8(ascii: "t"): try self.literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try self.literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try self.literal("null"); return .null
        default:
            let start = self.index
            try self.number()
            return .number(String(decoding: self.bytes[start..<self.index], as: UTF8.self))
        }
    }

    /// Reads an object at `depth`, reporting each member (its decoded key,
    /// whether the key had escapes, where its value lies, the value) as soon
    /// as the value has parsed, before the separator after it is looked at.
    mutating func objectMembers(
        depth: Int, _ member: ([UInt8], Bool, Range<Int>, JSON) throws(Failure) -> Void
    ) throws(Failure) {
        guard depth <= self.maximumDepth else { throw Failure() }
        try self.take(UInt8(ascii: "{"))
        self.skipWhitespace()
        if !self.atEnd, self.current == UInt8(ascii: "}") {
            self.index += 1
            return
        }
        while true {
            self.skipWhitespace()
            guard !self.atEnd, self.current == UInt8(ascii: "\"") else { throw Failure() }
            let key = try self.string()
            try self.take(UInt8(ascii: ":"))
            self.skipWhitespace()
            let start = self.index
            let value = try self.value(depth: depth)
            try member(key.decoded, key.escaped, start..<self.index, value)
            self.skipWhitespace()
            guard !self.atEnd else { throw Failure() }
            if self.current == UInt8(ascii: "}") { self.index += 1; return }
            try self.take(UInt8(ascii: ","))
        }
    }

    private mutating func literal(_ word: String) throws(Failure) {
        for byte in word.utf8 {
            guard !self.atEnd, self.current == byte else { throw Failure() }
            self.index += 1
        }
    }

    private mutating func digits() -> Int {
        let start = self.index
        while !self.atEnd, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self.current) { self.index += 1 }
        return self.index - start
    }

    private mutating func number() throws(Failure) {
        if !self.atEnd, self.current == UInt8(ascii: "-") { self.index += 1 }
        guard !self.atEnd else { throw Failure() }
        if self.current == UInt8(ascii: "0") {
            self.index += 1
        } else {
            guard (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(self.current) else { throw Failure() }
            _ = self.digits()
        }
        if !self.atEnd, self.current == UInt8(ascii: ".") {
            self.index += 1
            guard self.digits() > 0 else { throw Failure() }
        }
        if !self.atEnd, self.current | 0x20 == UInt8(ascii: "e") {
            self.index += 1
            if !self.atEnd, self.current == UInt8(ascii: "+") || self.current == UInt8(ascii: "-") { self.index += 1 }
            guard self.digits() > 0 else { throw Failure() }
        }
    }

    /// A string at the current `"`: its decoded UTF-8 and whether it had escapes.
    mutating func string() throws(Failure) -> (decoded: [UInt8], escaped: Bool) {
        self.index += 1
        var decoded: [UInt8] = []
        var escaped = false
        while true {
            guard !self.atEnd else { throw Failure() }
            let byte = self.current
            switch byte {
            case UInt8(ascii: "\""):
                self.index += 1
                return (decoded, escaped)
            case UInt8(ascii: "\\"):
                escaped = true
                self.index += 1
                guard !self.atEnd else { throw Failure() }
                switch self.current {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(self.current)
                case UInt8(ascii: "b"): decoded.append(0x08)
                case UInt8(ascii: "f"): decoded.append(0x0C)
                case UInt8(ascii: "n"): decoded.append(0x0A)
                case UInt8(ascii: "r"): decoded.append(0x0D)
                case UInt8(ascii: "t"): decoded.append(0x09)
                case UInt8(ascii: "u"):
                    var code: UInt32 = 0
                    for _ in 0..<4 {
                        self.index += 1
                        guard !self.atEnd else { throw Failure() }
                        let digit: UInt8
                        switch self.current {
                        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = self.current - UInt8(ascii: "0")
                        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = self.current - UInt8(ascii: "a") + 10
                        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = self.current - UInt8(ascii: "A") + 10
                        default: throw Failure()
                        }
                        code = code << 4 | UInt32(digit)
                    }
                    decoded.append(contentsOf: String(Unicode.Scalar(code).map(Character.init) ?? "\u{FFFD}").utf8)
                default:
                    throw Failure()
                }
                self.index += 1
            case 0x00..<0x20:
                throw Failure()
            case 0x80...:
                // Decode one scalar and reject what is not its shortest form,
                // a surrogate or past U+10FFFF.
                let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 0
                guard length > 0, byte < 0xF8, self.index + length <= self.bytes.count else { throw Failure() }
                var scalar = UInt32(byte) & (0xFF >> (length + 1))
                for offset in 1..<length {
                    let next = self.bytes[self.index + offset]
                    guard next & 0xC0 == 0x80 else { throw Failure() }
                    scalar = scalar << 6 | UInt32(next & 0x3F)
                }
                let shortest: UInt32 = [0, 0, 0x80, 0x800, 0x10000][length]
                guard scalar >= shortest, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { throw Failure() }
                decoded.append(contentsOf: self.bytes[self.index..<(self.index + length)])
                self.index += length
            default:
                decoded.append(byte)
                self.index += 1
            }
        }
    }
}
