import NIOCore
import PolicyVM

/// The state one connection keeps between batches: its evaluator (scratch
/// memory, never shared across threads), the snapshot it evaluates against,
/// and its batch's counts (folded into its event loop's statistics).
struct ConnectionSession {
    let services: ServerServices
    let peer: PeerCredentials?
    let worker: WorkerStats
    /// Read once: on the per-line path, reaching through `services` for these
    /// costs a retain/release pair per request.
    let logging: Bool
    let identityStore: Bool
    private var generation: UInt64 = 0
    var evaluator: Evaluator?
    var answers: [UInt8] = []
    var local = LocalCounts()
    /// Rendered subjects of identity-store agents (with `--identities`).
    var subjectJSON = SubjectEnrichment.SubjectJSONCache()
    /// `op: token` lines of the current batch, answered by `issueTokens`.
    var pendingTokens: [PendingToken] = []

    /// Counts of one batch, folded into ``WorkerStats`` once per batch.
    struct LocalCounts {
        var allow: UInt64 = 0
        var deny: UInt64 = 0
        var policyHits: PolicyHitCounter?
        var latencies: [UInt64] = []
        var errors: [String: UInt64] = [:]
    }

    init(services: ServerServices, peer: PeerCredentials?, worker: WorkerStats) {
        self.services = services
        self.logging = services.log != nil
        self.identityStore = services.configuration.identity != nil
        self.peer = peer
        self.worker = worker
    }

    /// What one batch produced.
    struct Output {
        var answers: ByteBuffer
        var logLines: [UInt8]
        /// The connection must close after these answers (an over-long line).
        var close: Bool
        /// `op: token` lines wait for `issueTokens`, which fills in `answers`.
        var pendingTokens = false
    }

    /// Decision-log lines appended since the last ``takeLoggedLines()``: the
    /// log writer is told the count instead of scanning the bytes for newlines.
    var loggedLines = 0
    /// `"2026-…Z"` of the batch's clock: formatted once per batch, not per line.
    private var timestamp: [UInt8] = []
    private var timestampSecond: Int64 = -1
    private var timestampMillisecond: Int64 = -1

    /// Starts a batch: picks up a reloaded set and reads the clock once.
    mutating func beginBatch() -> (seconds: Int64, nanoseconds: Int64) {
        let clock = WallClock.now()
        self.refreshEvaluator()
        let millisecond = clock.nanoseconds / 1_000_000
        if clock.seconds != self.timestampSecond || millisecond != self.timestampMillisecond {
            self.timestampSecond = clock.seconds
            self.timestampMillisecond = millisecond
            self.timestamp.removeAll(keepingCapacity: true)
            WallClock.appendTimestamp(seconds: clock.seconds, nanoseconds: clock.nanoseconds, to: &self.timestamp)
        }
        return clock
    }

    /// Answers one complete line (and logs it when it is a decision).
    mutating func answer(line: UnsafeRawBufferPointer, clock: (seconds: Int64, nanoseconds: Int64), received: UInt64,
                         log: inout [UInt8]) {
        self.answer(line, clock: clock, log: &log)
        self.local.latencies.append(WallClock.monotonicNanoseconds() &- received)
    }

    /// Answers every complete line of `bytes`; returns how many bytes they
    /// took and whether an over-long line ended the input. One call per read,
    /// so the handler's exclusive access to the session is checked once, not per line.
    mutating func answerLines(
        _ bytes: UnsafeRawBufferPointer, splitter: inout LineSplitter, clock: (seconds: Int64, nanoseconds: Int64),
        received: UInt64, log: inout [UInt8]
    ) -> (consumed: Int, overlong: Bool) {
        var start = 0
        while true {
            switch splitter.next(bytes, from: start) {
            case .line(let range, let next):
                self.answer(line: UnsafeRawBufferPointer(rebasing: bytes[range]), clock: clock, received: received, log: &log)
                start = next
            case .overlong:
                self.answerOverlong()
                return (bytes.count, true)
            case .needMoreData:
                return (start, false)
            }
        }
    }

    /// Answers a line over the limit; the connection closes after it.
    mutating func answerOverlong() {
        self.countError("line_too_long")
        JSONOutput.appendError(
            id: nil, code: "line_too_long",
            message: "the line is longer than \(self.services.configuration.maximumLineLength) bytes; closing the connection",
            to: &self.answers
        )
    }

    mutating func takeLoggedLines() -> Int {
        defer { self.loggedLines = 0 }
        return self.loggedLines
    }

    /// Picks up a reloaded set: a new evaluator for the new generation.
    mutating func refreshEvaluator() {
        let snapshot = self.services.store.snapshot
        guard snapshot.generation != self.generation else { return }
        self.flushCounts()
        self.generation = snapshot.generation
        self.evaluator = Evaluator(snapshot.set)
        self.local.policyHits = PolicyHitCounter(set: snapshot.set)
    }

    private mutating func answer(_ line: UnsafeRawBufferPointer, clock: (seconds: Int64, nanoseconds: Int64), log: inout [UInt8]) {
        switch EnvelopeScanner.scan(line) {
        case .failure(let error):
            self.countError(error.code)
            JSONOutput.appendError(id: error.id.map { UnsafeRawBufferPointer(rebasing: line[$0]) },
                                   code: error.code, message: error.message, to: &self.answers)
        case .success(let envelope):
            let id = envelope.id.map { UnsafeRawBufferPointer(rebasing: line[$0]) }
            switch envelope.operation {
            case .evaluate:
                let request = UnsafeRawBufferPointer(rebasing: line[envelope.request!])
                self.evaluate(id: id, request: request, clock: clock, log: &log)
            case .health:
                AdminAnswers.health(id: id, services: self.services, to: &self.answers)
            case .stats:
                self.flushCounts()
                AdminAnswers.stats(id: id, services: self.services, to: &self.answers)
            case .reload:
                self.reload(id: id)
            case .token:
                self.token(id: id, params: UnsafeRawBufferPointer(rebasing: line[envelope.request!]), clock: clock,
                           logOffset: log.count)
            case .unknown:
                self.countError("unknown_op")
                JSONOutput.appendError(id: id, code: "unknown_op", message: "unknown `op`", to: &self.answers)
            }
        }
    }

    private mutating func evaluate(
        id: UnsafeRawBufferPointer?, request: UnsafeRawBufferPointer,
        clock: (seconds: Int64, nanoseconds: Int64), log: inout [UInt8]
    ) {
        if self.identityStore, let identity = self.services.configuration.identity {
            return self.evaluateIdentified(identity, id: id, request: request, clock: clock, log: &log)
        }
        self.decide(id: id, request: request, clock: clock, log: &log)
    }

    /// Decides `request` on this connection's evaluator, answers and logs it.
    mutating func decide(
        id: UnsafeRawBufferPointer?, request: UnsafeRawBufferPointer,
        clock: (seconds: Int64, nanoseconds: Int64), log: inout [UInt8]
    ) {
        let outcome = self.evaluator!.decide(json: request, now: clock.seconds)
        JSONOutput.appendOpening(id: id, to: &self.answers)
        let fieldsStart = self.answers.count
        self.evaluator!.writeAnswerFields(into: &self.answers)
        let fieldsEnd = self.answers.count
        switch outcome {
        case .allow: self.local.allow += 1
        case .deny: self.local.deny += 1
        }
        self.local.policyHits?.count(self.evaluator!.matchedPolicies)
        self.answers.append(UInt8(ascii: "}"))
        self.answers.append(UInt8(ascii: "\n"))
        guard self.logging else { return }
        self.loggedLines += 1
        JSONOutput.append("{\"time\":", to: &log)
        log.append(contentsOf: self.timestamp)
        JSONOutput.append(",\"id\":", to: &log)
        if let id { log.append(contentsOf: id) } else { JSONOutput.append("null", to: &log) }
        JSONOutput.append(",\"request\":", to: &log)
        log.append(contentsOf: request)
        log.append(UInt8(ascii: ","))
        log.append(contentsOf: self.answers[fieldsStart..<fieldsEnd])
        log.append(UInt8(ascii: "}"))
        log.append(UInt8(ascii: "\n"))
    }

    private mutating func reload(id: UnsafeRawBufferPointer?) {
        guard self.services.configuration.allowRemoteReload || self.peer?.uid == self.services.configuration.serverUID else {
            self.countError("forbidden")
            JSONOutput.appendError(id: id, code: "forbidden",
                                   message: "only the server's own user may reload; start the server with --allow-remote-reload to allow others",
                                   to: &self.answers)
            return
        }
        let result = self.services.reload(trigger: "op")
        AdminAnswers.reload(id: id, result: result, to: &self.answers)
        self.refreshEvaluator()
    }

    mutating func countError(_ code: String) {
        self.local.errors[code, default: 0] += 1
    }

    /// Folds this connection's batch counts into its worker statistics.
    mutating func flushCounts() {
        guard self.local.allow != 0 || self.local.deny != 0 || !self.local.errors.isEmpty || !self.local.latencies.isEmpty else {
            return
        }
        let local = self.local
        self.worker.counters.withLock { counters in
            counters.allow += local.allow
            counters.deny += local.deny
            counters.errors.merge(local.errors, uniquingKeysWith: +)
            if let hits = local.policyHits {
                for (index, count) in hits.hits.enumerated() where count != 0 {
                    counters.policies[hits.name(index), default: 0] += count
                }
            }
            for latency in local.latencies { _ = counters.latency.record(latency) }
        }
        self.local.allow = 0
        self.local.deny = 0
        if !self.local.errors.isEmpty { self.local.errors = [:] }
        self.local.policyHits?.reset()
        self.local.latencies.removeAll(keepingCapacity: true)
    }
}
