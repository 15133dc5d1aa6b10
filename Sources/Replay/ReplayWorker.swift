import Foundation
import PolicyVM

/// One worker thread's state: its own evaluators and answer buffers, reused
/// for every line. A line whose answers are byte-identical field by field
/// (decision, policies, controls) costs a scan and three compares; only
/// changed lines build `Answer` values.
struct ReplayWorker {
    private var new: Evaluator
    private var old: Evaluator?
    private var newBuffer: [UInt8] = []
    private var oldBuffer: [UInt8] = []
    private let configuration: ReplayConfiguration
    /// Raw `report_only` arrays of the new and the old answers, counted.
    private(set) var reportOnlyNew = ByteCounter()
    private(set) var reportOnlyOld = ByteCounter()

    init(configuration: ReplayConfiguration) {
        self.configuration = configuration
        new = Evaluator(configuration.policies)
        old = configuration.baseline.map { Evaluator($0) }
        newBuffer.reserveCapacity(4096)
        oldBuffer.reserveCapacity(4096)
    }

    /// Replays every line of a batch; line numbers in the result are 1-based within the batch.
    mutating func process(_ batch: LineBatch) -> ReplayTally {
        var tally = ReplayTally()
        if batch.oversizedLine {
            tally.lines = 1
            bad(&tally, batch.source, 1, "the line is longer than \(configuration.maxLineBytes) bytes")
            return tally
        }
        let bytes = UnsafeRawBufferPointer(rebasing: batch.buffer.bytes[0..<batch.buffer.count])
        var start = 0
        var number = 0
        while start < bytes.count {
            var end = bytes.count
            if let found = memchr(bytes.baseAddress! + start, 0x0A, bytes.count - start) {
                end = bytes.baseAddress!.distance(to: UnsafeRawPointer(found))
            }
            number += 1
            var lineEnd = end
            if lineEnd > start, bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            let line = UnsafeRawBufferPointer(rebasing: bytes[start..<lineEnd])
            if !Self.isBlank(line) {
                replay(line, source: batch.source, number: number, into: &tally)
            }
            start = end + 1
        }
        tally.lines = number
        return tally
    }

    private mutating func replay(_ line: UnsafeRawBufferPointer, source: Int, number: Int, into tally: inout ReplayTally) {
        let spans: FieldSpans
        switch JSONScanner.scanObject(line) {
        case .failure(let failure): return bad(&tally, source, number, failure.message)
        case .success(let found): spans = found
        }
        var request = line
        var now = configuration.now
        if spans.request.isPresent {
            guard line[spans.request.start] == UInt8(ascii: "{") else {
                return bad(&tally, source, number, "`request` must be a JSON object")
            }
            request = UnsafeRawBufferPointer(rebasing: line[spans.request.start..<spans.request.end])
            if spans.time.isPresent {
                guard let time = Timestamp.parse(line, spans.time) else {
                    return bad(&tally, source, number, "`time` must be an RFC 3339 timestamp")
                }
                now = time
            }
        }
        if old == nil {
            guard spans.request.isPresent else {
                return bad(&tally, source, number,
                           "the line is a plain request with no recorded decision; pass --baseline to replay plain requests")
            }
            guard JSONScanner.equal(line, spans.decision, "\"allow\"") || JSONScanner.equal(line, spans.decision, "\"deny\"")
            else { return bad(&tally, source, number, "`decision` must be \"allow\" or \"deny\"") }
        }
        // Moved out (no copy, no retain) so `self` can be mutated while they are read.
        var newAnswer: [UInt8] = []
        var oldAnswer: [UInt8] = []
        swap(&newAnswer, &newBuffer)
        swap(&oldAnswer, &oldBuffer)
        defer {
            swap(&newAnswer, &newBuffer)
            swap(&oldAnswer, &oldBuffer)
        }
        _ = new.decide(json: request, now: now)
        newAnswer.removeAll(keepingCapacity: true)
        new.writeAnswerFields(into: &newAnswer)
        if old != nil {
            _ = old!.decide(json: request, now: now)
            oldAnswer.removeAll(keepingCapacity: true)
            old!.writeAnswerFields(into: &oldAnswer)
        }
        let oldIsLine = old == nil
        let outcome: LineOutcome = newAnswer.withUnsafeBytes { newBytes in
            oldAnswer.withUnsafeBytes { oldBytes in
                compareFast(newBytes: newBytes, old: oldIsLine ? line : oldBytes, oldFromLine: oldIsLine, line: spans)
            }
        }
        switch outcome {
        case .unchanged:
            tally.requests += 1
            tally.unchanged += 1
        case .invalidRequest:
            let error = new.answer().errors.first
            let path = error?.path.map { " at `\($0)`" } ?? ""
            bad(&tally, source, number, "the request is invalid\(path): \(error?.message ?? "")")
        case .malformedAnswer:
            bad(&tally, source, number, "the engine wrote an answer replay cannot read")
        case .different:
            compareSlow(line: line, request: request, source: source, number: number, into: &tally)
        }
    }

    private enum LineOutcome { case unchanged, different, invalidRequest, malformedAnswer }

    private mutating func compareFast(newBytes: UnsafeRawBufferPointer, old: UnsafeRawBufferPointer,
                                      oldFromLine: Bool, line: FieldSpans) -> LineOutcome {
        guard let newFields = JSONScanner.scanFields(newBytes) else { return .malformedAnswer }
        if !JSONScanner.equal(newBytes, newFields.errors, "[]"), isInvalidRequest() { return .invalidRequest }
        let oldFields: FieldSpans
        if oldFromLine {
            oldFields = line
        } else {
            guard let scanned = JSONScanner.scanFields(old) else { return .malformedAnswer }
            oldFields = scanned
        }
        if !JSONScanner.equal(newBytes, newFields.reportOnly, "[]") {
            reportOnlyNew.add(UnsafeRawBufferPointer(rebasing: newBytes[newFields.reportOnly.start..<newFields.reportOnly.end]))
        }
        if oldFields.reportOnly.isPresent, !JSONScanner.equal(old, oldFields.reportOnly, "[]") {
            reportOnlyOld.add(UnsafeRawBufferPointer(rebasing: old[oldFields.reportOnly.start..<oldFields.reportOnly.end]))
        }
        let same = JSONScanner.equal(newBytes, newFields.decision, old, oldFields.decision)
            && JSONScanner.equal(newBytes, newFields.policies, old, oldFields.policies)
            && JSONScanner.equal(newBytes, newFields.controls, old, oldFields.controls)
        return same ? .unchanged : .different
    }

    /// Cold: the engine reported errors; only a request that did not decode makes the line unreadable.
    @inline(never)
    private func isInvalidRequest() -> Bool {
        new.answer().errors.contains { $0.code == .invalidRequest }
    }

    @inline(never)
    private mutating func compareSlow(line: UnsafeRawBufferPointer, request: UnsafeRawBufferPointer,
                                      source: Int, number: Int, into tally: inout ReplayTally) {
        let newAnswer = new.answer()
        let oldAnswer: Answer
        if let old {
            oldAnswer = old.answer()
        } else {
            do {
                oldAnswer = try Answer(json: line)
            } catch {
                return bad(&tally, source, number, "the recorded answer is unreadable: \(error)")
            }
        }
        tally.requests += 1
        let comparison = Comparison(old: oldAnswer, new: newAnswer)
        guard let kind = comparison.kind else {
            tally.unchanged += 1
            if oldAnswer.policies != newAnswer.policies { tally.unchangedDifferentPolicies += 1 }
            return
        }
        tally.count(comparison, keys: RequestKeys(request))
        if tally.examples.count(where: { $0.example.kind == kind }) < configuration.examplesPerKind {
            let example = ChangeExample(kind: kind, log: configuration.logs[source], line: number,
                                        request: String(decoding: request, as: UTF8.self),
                                        old: oldAnswer.json(), new: newAnswer.json())
            tally.examples.append((source, number, example))
        }
    }

    private func bad(_ tally: inout ReplayTally, _ source: Int, _ number: Int, _ message: String) {
        tally.unreadable += 1
        if tally.badLines.count < configuration.badLineSamples {
            tally.badLines.append((source, number, message))
        }
    }

    @inline(__always)
    private static func isBlank(_ line: UnsafeRawBufferPointer) -> Bool {
        for c in line where c != 0x20 && c != 0x09 { return false }
        return true
    }
}
