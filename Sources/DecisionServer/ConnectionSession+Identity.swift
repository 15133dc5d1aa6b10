import Foundation
import Identity
import NIOCore
import PolicyVM
import Tokens

/// A token request read in a batch, answered after the batch's synchronous
/// answers (token issuance verifies signatures asynchronously) and spliced in
/// at its place, so answers stay in order.
struct PendingToken {
    var id: [UInt8]?
    var params: [UInt8]
    /// Where its answer goes in the batch's answers.
    var offset: Int
    /// Where its decision goes in the batch's log lines, so the log keeps the answers' order.
    var logOffset: Int
    var clock: (seconds: Int64, nanoseconds: Int64)
}

extension ConnectionSession {
    /// `evaluate` with an identity store: the record replaces the caller's subject.
    mutating func evaluateIdentified(
        _ identity: ServerIdentity, id: UnsafeRawBufferPointer?, request: UnsafeRawBufferPointer,
        clock: (seconds: Int64, nanoseconds: Int64), log: inout [UInt8]
    ) {
        switch SubjectEnrichment.enrich(request, store: identity.store, now: clock.seconds, cache: &self.subjectJSON) {
        case .asSent:
            self.decide(id: id, request: request, clock: clock, log: &log)
        case .rewritten(let rewritten):
            rewritten.withUnsafeBytes { self.decide(id: id, request: $0, clock: clock, log: &log) }
        case .duplicateSubject:
            self.denyBeforePolicy(id: id, request: request, code: "invalid_request",
                                  message: "the request names `subject` twice", clock: clock, log: &log)
        case .denied(let reason):
            self.denyBeforePolicy(id: id, request: request, code: reason.code, message: reason.description,
                                  clock: clock, log: &log)
        }
    }

    /// A fail-closed denial no policy ran for, answered and logged like any decision.
    private mutating func denyBeforePolicy(
        id: UnsafeRawBufferPointer?, request: UnsafeRawBufferPointer, code: String, message: String,
        clock: (seconds: Int64, nanoseconds: Int64), log: inout [UInt8]
    ) {
        var fields: [UInt8] = []
        JSONOutput.append("\"decision\":\"deny\",\"policies\":[],\"controls\":null,\"reasons\":[", to: &fields)
        JSONOutput.appendString(message, to: &fields)
        JSONOutput.append("],\"report_only\":[],\"errors\":[{\"code\":", to: &fields)
        JSONOutput.appendString(code, to: &fields)
        JSONOutput.append(",\"message\":", to: &fields)
        JSONOutput.appendString(message, to: &fields)
        JSONOutput.append("}],\"warnings\":[],\"policyset\":", to: &fields)
        JSONOutput.appendString(self.evaluator!.policySet.hash, to: &fields)
        self.local.deny += 1
        self.countError(code)
        JSONOutput.appendOpening(id: id, to: &self.answers)
        self.answers.append(contentsOf: fields)
        JSONOutput.append("}\n", to: &self.answers)
        guard self.logging else { return }
        self.loggedLines += 1
        Self.appendLogLine(id: id.map { [UInt8]($0) }, request: request, fields: fields, clock: clock, to: &log)
    }

    /// `op: token`: answered at once when the server cannot issue tokens or
    /// `params` is not an object; otherwise queued for ``issueTokens(_:allocator:)``.
    mutating func token(id: UnsafeRawBufferPointer?, params: UnsafeRawBufferPointer,
                        clock: (seconds: Int64, nanoseconds: Int64), logOffset: Int)
    {
        let missing: String? =
            switch self.services.configuration.identity {
            case nil: "start the server with --identities DB and --keys DIR"
            case let identity? where identity.tokens == nil: "start the server with --keys DIR"
            default: nil
            }
        if let missing {
            self.countError("unavailable")
            JSONOutput.appendError(id: id, code: "unavailable",
                                   message: "token issuance needs an identity store and signing keys; \(missing)",
                                   to: &self.answers)
            return
        }
        guard params.first == UInt8(ascii: "{") else {
            self.countError("bad_request")
            JSONOutput.appendError(id: id, code: "bad_request", message: "`params` must be an object", to: &self.answers)
            return
        }
        self.pendingTokens.append(PendingToken(id: id.map { [UInt8]($0) }, params: Array(params),
                                               offset: self.answers.count, logOffset: logOffset, clock: clock))
    }

    /// Issues the batch's queued tokens in order and splices their answers in.
    mutating func issueTokens(_ output: Output, allocator: ByteBufferAllocator) async -> Output {
        var output = output
        let pending = self.pendingTokens
        self.pendingTokens.removeAll()
        var answers: [UInt8] = []
        var log: [UInt8] = []
        var cursor = 0
        var logCursor = 0
        for token in pending {
            answers.append(contentsOf: self.answers[cursor..<token.offset])
            cursor = token.offset
            log.append(contentsOf: output.logLines[logCursor..<token.logOffset])
            logCursor = token.logOffset
            await self.issue(token, answers: &answers, log: &log)
        }
        answers.append(contentsOf: self.answers[cursor...])
        log.append(contentsOf: output.logLines[logCursor...])
        output.logLines = log
        self.flushCounts()
        self.answers.removeAll(keepingCapacity: true)
        var buffer = allocator.buffer(capacity: answers.count)
        buffer.writeBytes(answers)
        output.answers = buffer
        output.pendingTokens = false
        return output
    }

    private mutating func issue(_ token: PendingToken, answers: inout [UInt8], log: inout [UInt8]) async {
        guard let service = self.services.configuration.identity?.tokens,
              let object = try? JSONSerialization.jsonObject(with: Data(token.params)) as? [String: Any]
        else {
            self.countError("bad_request")
            token.id.withUnsafeBytesOrNil { id in
                JSONOutput.appendError(id: id, code: "bad_request", message: "`params` must be an object", to: &answers)
            }
            return
        }
        // The policy set this connection serves decides, on its own evaluator.
        var evaluator = self.evaluator!
        let result = await service.issue(json: object, time: token.clock.seconds) { request in
            _ = evaluator.decide(json: Array(request.json().utf8), now: request.time)
            return evaluator.answer()
        }
        token.id.withUnsafeBytesOrNil { id in JSONOutput.appendOpening(id: id, to: &answers) }
        answers.append(contentsOf: result.json.utf8.dropFirst())
        answers.append(UInt8(ascii: "\n"))
        if let error = result.error { self.countError(error.code) }
        guard let request = result.request, let answer = result.answer else { return }
        switch answer.decision {
        case .allow: self.local.allow += 1
        case .deny: self.local.deny += 1
        }
        // The answer is the evaluator's last decision: count its policies as `evaluate` does.
        self.local.policyHits?.count(evaluator.matchedPolicies)
        guard self.logging else { return }
        self.loggedLines += 1
        var fields: [UInt8] = []
        answer.writeFields(into: &fields)
        Array(request.json().utf8).withUnsafeBytes { bytes in
            Self.appendLogLine(id: token.id, request: bytes, fields: fields, clock: token.clock, to: &log)
        }
    }

    /// One decision-log line: `{"time":…,"id":…,"request":…,<answer fields>}`.
    static func appendLogLine(id: [UInt8]?, request: UnsafeRawBufferPointer, fields: [UInt8],
                              clock: (seconds: Int64, nanoseconds: Int64), to log: inout [UInt8])
    {
        JSONOutput.append("{\"time\":", to: &log)
        WallClock.appendTimestamp(seconds: clock.seconds, nanoseconds: clock.nanoseconds, to: &log)
        JSONOutput.append(",\"id\":", to: &log)
        if let id { log.append(contentsOf: id) } else { JSONOutput.append("null", to: &log) }
        JSONOutput.append(",\"request\":", to: &log)
        log.append(contentsOf: request)
        log.append(UInt8(ascii: ","))
        log.append(contentsOf: fields)
        JSONOutput.append("}\n", to: &log)
    }
}

extension Optional where Wrapped == [UInt8] {
    /// Runs `body` with the bytes, or with nil when there are none.
    fileprivate func withUnsafeBytesOrNil<R>(_ body: (UnsafeRawBufferPointer?) -> R) -> R {
        switch self {
        case .some(let bytes): bytes.withUnsafeBytes { body($0) }
        case .none: body(nil)
        }
    }
}
