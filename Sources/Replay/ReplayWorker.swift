import Foundation
import PolicyVM

/// One worker thread's state: its own evaluators and answer buffers, reused
/// for every line. A line whose answers are byte-identical field by field
/// (decision, policies, controls) costs a scan and three compares; only
/// changed lines build `Answer` values.
struct ReplayWorker {
    private var new: Evaluator
    private var old: Evaluator?
    private let configuration: ReplayConfiguration
    /// Raw `report_only` arrays of the new and the old answers, counted.
    private(set) var reportOnlyNew = ByteCounter()
    private(set) var reportOnlyOld = ByteCounter()

    init(configuration: ReplayConfiguration) {
        self.configuration = configuration
        new = Evaluator(configuration.policies)
        old = configuration.baseline.map { Evaluator($0) }
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
        // The new set decodes the request while the line is scanned, when the
        // line's `time` came first (as the server writes it). Against recorded
        // decisions it also decides at once: when the rest of the line is
        // byte for byte the new answer's fields (the policy-set hash aside),
        // nothing changed and the scan stops there.
        var decoded = (request: ByteSpan.none, time: ByteSpan.none, now: Int64(0), outcome: Outcome?.none)
        var unchangedTail = false
        let scanned = JSONScanner.scanObject(line) { start, time in
            guard time.isPresent, let now = Timestamp.parse(line, time),
                  let end = new.decode(prefixOf: UnsafeRawBufferPointer(rebasing: line[start...]), now: now)
            else { return nil }
            decoded = (ByteSpan(start: start, end: start + end), time, now, nil)
            guard old == nil else { return start + end }
            let outcome = new.decideDecoded()
            decoded.outcome = outcome
            if let closing = tailMatchesAnswer(line, from: start + end) {
                unchangedTail = true
                return closing
            }
            return start + end
        }
        if unchangedTail {
            // The recorded `report_only` is byte for byte the new one.
            countReportOnly(alsoRecorded: true)
            tally.requests += 1
            tally.unchanged += 1
            return
        }
        let spans: FieldSpans
        switch scanned {
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
            if decoded.time.isPresent, decoded.time == spans.time {
                now = decoded.now
            } else if spans.time.isPresent {
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
        // A later duplicate `request` or `time` wins, as in the scan: decode again then.
        let newOutcome = decoded.request.isPresent && decoded.request == spans.request && decoded.time == spans.time
            ? decoded.outcome ?? new.decideDecoded() : new.decide(json: request, now: now)
        if new.requestWasInvalid {
            let error = new.answer().errors.first
            let path = error?.path.map { " at `\($0)`" } ?? ""
            return bad(&tally, source, number, "the request is invalid\(path): \(error?.message ?? "")")
        }
        let oldOutcome = old?.decide(json: request, now: now)
        if compareFast(newOutcome, oldOutcome, line: line, spans: spans) {
            tally.requests += 1
            tally.unchanged += 1
        } else {
            compareSlow(line: line, request: request, source: source, number: number, into: &tally)
        }
    }

    /// Whether the new answer has the same decision, policies and controls as
    /// the old one (the baseline's, or the line's recorded fields), comparing
    /// the JSON of those fields byte for byte; counts report-only results.
    private mutating func compareFast(_ newOutcome: Outcome, _ oldOutcome: Outcome?, line: UnsafeRawBufferPointer,
                                      spans: FieldSpans) -> Bool {
        countReportOnly(alsoRecorded: false)
        if let oldOutcome {
            if old!.reportOnlyCount > 0 { reportOnlyOld.add(old!.reportOnlyJSON()) }
            return newOutcome == oldOutcome && sameAsBaseline(.policies) && sameAsBaseline(.controls)
        }
        if spans.reportOnly.isPresent, !JSONScanner.equal(line, spans.reportOnly, "[]") {
            reportOnlyOld.add(UnsafeRawBufferPointer(rebasing: line[spans.reportOnly.start..<spans.reportOnly.end]))
        }
        guard JSONScanner.equal(line, spans.decision, newOutcome == .allow ? "\"allow\"" : "\"deny\"") else { return false }
        return recorded(line, spans.policies, equals: .policies) && recorded(line, spans.controls, equals: .controls)
    }

    /// Counts the new answer's report-only results (and, when the line's are
    /// known to be the same bytes, the recorded ones too).
    private mutating func countReportOnly(alsoRecorded: Bool) {
        guard new.reportOnlyCount > 0 else { return }
        let bytes = new.reportOnlyJSON()
        reportOnlyNew.add(bytes)
        if alsoRecorded { reportOnlyOld.add(bytes) }
    }

    /// When `line[from...]` is `,` + the new answer's fields as the server
    /// logs them + `}`, with any policy-set hash, returns the index of that
    /// closing brace: the recorded answer is the new one. (`mutating` though
    /// it changes nothing: called from the scan's closure, a non-mutating
    /// method copies the whole worker, nine retains, for every line.)
    private mutating func tailMatchesAnswer(_ line: UnsafeRawBufferPointer, from: Int) -> Int? {
        let answer = new.answerFields()
        // The fields end with the hash string: `"sha256:` + 64 hex digits + `"`.
        let hashLength = 73
        let fields = answer.count - hashLength
        var closing = line.count - 1
        while closing > from, line[closing] == 0x20 || line[closing] == 0x09 { closing -= 1 }
        guard fields > 0, closing - from == answer.count + 1, line[from] == UInt8(ascii: ","),
              line[closing] == UInt8(ascii: "}"), memcmp(answer.baseAddress!, line.baseAddress! + from + 1, fields) == 0
        else { return nil }
        let hash = line.baseAddress! + from + 1 + fields
        let prefix: StaticString = "\"sha256:"
        guard memcmp(hash, prefix.utf8Start, 8) == 0, hash.load(fromByteOffset: hashLength - 1, as: UInt8.self) == 0x22
        else { return nil }
        for word in stride(from: 8, to: hashLength - 1, by: 8)
        where !StringScan.allLowerHex(hash.loadUnaligned(fromByteOffset: word, as: UInt64.self)) {
            return nil
        }
        return closing
    }

    private enum Piece { case policies, controls }

    private static func render(_ piece: Piece, of evaluator: Evaluator) -> UnsafeRawBufferPointer {
        switch piece {
        case .policies: evaluator.policiesJSON()
        case .controls: evaluator.controlsJSON()
        }
    }

    /// Whether the new and the baseline answers write this piece alike.
    private func sameAsBaseline(_ piece: Piece) -> Bool {
        let a = Self.render(piece, of: new), b = Self.render(piece, of: old!)
        return a.count == b.count && memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
    }

    /// Whether the line's span holds exactly this piece of the new answer.
    private func recorded(_ line: UnsafeRawBufferPointer, _ span: ByteSpan, equals piece: Piece) -> Bool {
        guard span.isPresent else { return false }
        let bytes = Self.render(piece, of: new)
        return bytes.count == span.count && memcmp(bytes.baseAddress!, line.baseAddress! + span.start, span.count) == 0
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
