import Foundation
import Testing
@testable import Replay

@Suite("log line scanner")
struct ScannerTests {
    private func scan(_ text: String) -> Result<FieldSpans, ScanFailure> {
        Array(text.utf8).withUnsafeBytes { JSONScanner.scanObject($0) }
    }

    private func field(_ text: String, _ span: KeyPath<FieldSpans, ByteSpan>) -> String? {
        guard case .success(let spans) = scan(text) else { return nil }
        let bytes = Array(text.utf8)
        let s = spans[keyPath: span]
        return s.isPresent ? String(decoding: bytes[s.start..<s.end], as: UTF8.self) : nil
    }

    @Test func findsTheFieldsOfALogLine() {
        let line = #"{"time":"2026-11-20T14:03:00Z","id":7,"request":{"subject":{"id":"a\"}"},"x":[1,{"y":null}]},"#
            + #""decision":"allow","policies":["p1","p2"],"controls":{"token_lifetime_s":900,"scopes":[],"require":[]},"#
            + #""reasons":[],"report_only":[{"policy":"r","would":"deny"}],"errors":[],"warnings":[],"policyset":"sha256:00"}"#
        #expect(field(line, \.time) == "2026-11-20T14:03:00Z")
        #expect(field(line, \.request) == #"{"subject":{"id":"a\"}"},"x":[1,{"y":null}]}"#)
        #expect(field(line, \.decision) == #""allow""#)
        #expect(field(line, \.policies) == #"["p1","p2"]"#)
        #expect(field(line, \.controls) == #"{"token_lifetime_s":900,"scopes":[],"require":[]}"#)
        #expect(field(line, \.reportOnly) == #"[{"policy":"r","would":"deny"}]"#)
    }

    @Test func aPlainRequestHasNoRequestField() {
        #expect(field(#" {"subject":{"id":"a","kind":"agent"},"audience":"x"} "#, \.request) == nil)
        #expect(field(#"{"subject":{"id":"a","kind":"agent"},"audience":"x"}"#, \.decision) == nil)
    }

    @Test(arguments: [
        (#"{"time":"2026-11-20T14:03:00Z","request":{"subject":{"#, ScanFailure.truncated),
        (#"{"a":"unterminated"#, .truncated),
        ("", .truncated),
        ("hello", .notAnObject),
        ("[1,2]", .notAnObject),
        (#"{"a":1}}"#, .malformed),
        (#"{"a":[1}]}"#, .malformed),
        (#"{"a" 1}"#, .malformed),
        (#"{"a":tru}"#, .malformed),
        (#"{"a":1,}"#, .malformed),
        (#"{a:1}"#, .malformed),
        ("{\"a\":\"x\u{01}\"}", .malformed),
    ])
    func rejectsBrokenLines(text: String, failure: ScanFailure) {
        guard case .failure(let found) = scan(text) else {
            Issue.record("accepted \(text)")
            return
        }
        #expect(found == failure)
    }

    @Test func boundsNesting() {
        let deep = #"{"a":"# + String(repeating: "[", count: 65) + String(repeating: "]", count: 65) + "}"
        guard case .failure(let failure) = scan(deep) else { Issue.record("accepted"); return }
        #expect(failure == .tooDeep)
        let fine = #"{"a":"# + String(repeating: "[", count: 64) + String(repeating: "]", count: 64) + "}"
        #expect((try? scan(fine).get()) != nil)
    }

    @Test func offersTheRequestToTheDecoderAndResumesWhereItEnded() {
        let line = #"{"time":"2026-01-01T00:00:00Z","request":{"a":[1,{"b":2}]},"decision":"deny","policies":[]}"#
        let bytes = Array(line.utf8)
        let requestStart = bytes.count - #"{"a":[1,{"b":2}]},"decision":"deny","policies":[]}"#.utf8.count
        let requestEnd = requestStart + #"{"a":[1,{"b":2}]}"#.utf8.count
        var offered: [(Int, Int)] = []
        // The decoder consumed the request: the scanner goes on from its end.
        let decoded = bytes.withUnsafeBytes { p in
            JSONScanner.scanObject(p) { start, time in
                offered.append((start, time.count))
                return requestEnd
            }
        }
        #expect(offered.count == 1 && offered[0].0 == requestStart && offered[0].1 == 20)
        let spans = try? decoded.get()
        #expect(spans?.request == ByteSpan(start: requestStart, end: requestEnd))
        #expect(spans?.decision.count == 6)
        // The decoder declined: the scanner skips the request itself.
        let skipped = bytes.withUnsafeBytes { p in JSONScanner.scanObject(p) { _, _ in nil } }
        #expect((try? skipped.get())?.request == ByteSpan(start: requestStart, end: requestEnd))
        // Where the decoder stopped is where scanning resumes: a wrong end is malformed.
        let wrong = bytes.withUnsafeBytes { p in JSONScanner.scanObject(p) { _, _ in requestEnd - 1 } }
        guard case .failure = wrong else { Issue.record("accepted a wrong resume point"); return }
    }

    @Test func readsRequestKeys() {
        let request = #"{"audience":"https://x","subject":{"kind":"agent","id":"agent-\u0031","blueprint":"fin"}}"#
        let keys = Array(request.utf8).withUnsafeBytes { RequestKeys($0) }
        #expect(keys.audience == "https://x")
        #expect(keys.subject == "agent-1")
        #expect(keys.blueprint == "fin")
        let none = Array(#"{"subject":{"id":"s"}}"#.utf8).withUnsafeBytes { RequestKeys($0) }
        #expect(none.blueprint == nil && none.audience == nil)
    }
}

@Suite("RFC 3339 timestamps")
struct TimestampTests {
    private func parse(_ text: String) -> Int64? {
        Array(text.utf8).withUnsafeBytes { Timestamp.parse($0, ByteSpan(start: 0, end: $0.count)) }
    }

    @Test(arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("2026-11-20T14:03:00Z", 1_795_183_380),
        ("2026-11-20T14:03:00.999Z", 1_795_183_380),
        ("2026-11-20T15:03:00+01:00", 1_795_183_380),
        ("2026-11-20T09:33:00-04:30", 1_795_183_380),
        ("2024-02-29T23:59:59z", 1_709_251_199),
        ("1969-12-31T23:59:59Z", -1),
    ])
    func parses(text: String, seconds: Int64) {
        #expect(parse(text) == seconds)
    }

    @Test(arguments: ["", "2026-11-20", "2026-11-20T14:03:00", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                      "2026-11-20T24:00:00Z", "2026-11-20T14:03:00+0100", "2026-11-20 14:03:00Z",
                      "2026-11-20T14:03:00.Z", "2026-11-20T14:03:00Zjunk"])
    func rejects(text: String) {
        #expect(parse(text) == nil)
    }
}

@Suite("byte counter")
struct ByteCounterTests {
    @Test func countsAndMergesManyKeys() {
        var a = ByteCounter()
        var b = ByteCounter()
        for i in 0..<1000 {
            Array("key\(i % 300)".utf8).withUnsafeBytes { a.add($0) }
            Array("key\(i % 7)".utf8).withUnsafeBytes { b.add($0) }
        }
        a.merge(b)
        let counts = Dictionary(uniqueKeysWithValues: a.entries().map { (String(decoding: $0.0, as: UTF8.self), $0.1) })
        #expect(counts.count == 300)
        #expect(counts["key0"] == 4 + 143)
        #expect(counts["key299"] == 3)
        #expect(counts.values.reduce(0, +) == 2000)
    }

    @Test func overflowIsCountedNotStored() {
        var counter = ByteCounter(limit: 2)
        for key in ["a", "b", "c", "a", "d"] { Array(key.utf8).withUnsafeBytes { counter.add($0) } }
        #expect(counter.distinct == 2)
        #expect(counter.overflow == 2)
    }
}
