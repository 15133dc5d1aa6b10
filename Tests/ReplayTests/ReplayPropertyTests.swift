import TestSupport
import Foundation
import PolicyVM
import Testing
@testable import Replay

/// Replay over generated policy sets and logs written by the evaluator itself.
@Suite("replay properties")
struct ReplayPropertyTests {
    static let start: Int64 = 1_795_183_380  // 2026-11-20T14:03:00Z, a Friday

    /// A compiled generated policy set (the front end and compiler do the work).
    static func compile(_ source: String, in folder: TemporaryFolder, name: String) throws -> CompiledPolicySet {
        let path = try folder.write(name + ".agate", source)
        switch PolicySetLoader.load(paths: [path]) {
        case .compiled(let set, _, _): return set
        case .failed(let diagnostics, _, let ioErrors):
            throw GeneratedSetError(text: "\(ioErrors) \(diagnostics.map(\.message))\n\(source)")
        }
    }

    struct GeneratedSetError: Error, CustomStringConvertible { var text: String; var description: String { text } }

    /// Writes `count` log lines decided by `set`; requests and times come from `seed`.
    static func writeLog(_ set: CompiledPolicySet, seed: UInt64, count: Int, in folder: TemporaryFolder,
                         name: String = "decisions.jsonl") throws -> String {
        var random = SeededRandom(seed: seed)
        var evaluator = Evaluator(set)
        var text = ""
        for id in 0..<count {
            let time = start + Int64(id) * 97
            text += Generator.logLine(&evaluator, request: Generator.request(&random, time: time), time: time, id: id) + "\n"
        }
        return try folder.write(name, text)
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func replayingALogAgainstItsOwnPoliciesChangesNothing(seed: UInt64) throws {
        let folder = try TemporaryFolder()
        var random = SeededRandom(seed: seed)
        let set = try Self.compile(Generator.policySet(&random, policies: Int.random(in: 3...25, using: &random)),
                                   in: folder, name: "set")
        let log = try Self.writeLog(set, seed: seed &* 31, count: 1500, in: folder)
        for baseline in [nil, set] {
            let report = try ReplayRunner.run(ReplayConfiguration(policies: set, baseline: baseline, logs: [log],
                                                                  jobs: 3, batchBytes: 8192))
            #expect(report.requests == 1500)
            #expect(report.unchanged == 1500)
            #expect(report.changes.total == 0)
            #expect(report.unchangedDifferentPolicies == 0)
            #expect(report.unreadable == 0, "\(report.badLines)")
            #expect(report.causes.isEmpty && report.examples.isEmpty)
        }
    }

    /// The recorded hash takes no part in the comparison: a well-formed hash
    /// of another set takes the quick path, and a malformed one (uppercase,
    /// short, not hexadecimal, not a string) the full one; all alike unchanged.
    @Test func theRecordedPolicySetHashDoesNotMatter() throws {
        let folder = try TemporaryFolder()
        var random = SeededRandom(seed: 21)
        let set = try Self.compile(Generator.policySet(&random, policies: 10), in: folder, name: "set")
        let original = try String(contentsOfFile: try Self.writeLog(set, seed: 22, count: 600, in: folder), encoding: .utf8)
        let hash = "\"\(set.hash)\""
        #expect(original.contains(hash))
        let other = "\"sha256:" + String(repeating: "0123456789abcdef", count: 4) + "\""
        for replacement in [other, hash.uppercased(), "\"sha256:00\"", other.replacingOccurrences(of: "f", with: "g"),
                            "\"sha256:" + String(repeating: "é", count: 32) + "\"", "null", "7"] {
            let log = try folder.write("edited.jsonl", original.replacingOccurrences(of: hash, with: replacement))
            let report = try ReplayRunner.run(ReplayConfiguration(policies: set, baseline: nil, logs: [log], jobs: 2,
                                                                  batchBytes: 8192))
            #expect(report.requests == 600, "\(replacement)")
            #expect(report.unchanged == 600, "\(replacement)")
            #expect(report.unreadable == 0, "\(replacement): \(report.badLines.prefix(1))")
        }
    }

    /// The recorded path (scan the log's answer) and the baseline path (decide
    /// again with the old set) must agree on every count, cause and example;
    /// and the report must not depend on the thread count or batch size.
    @Test(arguments: [UInt64(11), 12, 13, 14, 15, 16])
    func recordedAndBaselineAgreeWhateverTheThreads(seed: UInt64) throws {
        let folder = try TemporaryFolder()
        var random = SeededRandom(seed: seed)
        let old = try Self.compile(Generator.policySet(&random, policies: 12), in: folder, name: "old")
        let new = try Self.compile(Generator.policySet(&random, policies: 12), in: folder, name: "new")
        let log = try Self.writeLog(old, seed: seed, count: 2000, in: folder)
        var rendered: Set<String> = []
        for (baseline, jobs, batch) in [(nil, 1, 1 << 20), (old, 1, 4096), (nil, 4, 4096), (old, 3, 9000)] as [(CompiledPolicySet?, Int, Int)] {
            let report = try ReplayRunner.run(ReplayConfiguration(policies: new, baseline: baseline, logs: [log],
                                                                  jobs: jobs, batchBytes: batch))
            #expect(report.requests == 2000)
            #expect(report.unchanged + report.changes.total == report.requests)
            // The header names the baseline; everything below it must be identical.
            var json = JSONReport.render(report, top: 5, failOn: nil)
            json = json.replacingOccurrences(of: #""compared_with":"baseline""#, with: "")
                .replacingOccurrences(of: #""compared_with":"recorded""#, with: "")
            if let baseline {
                json = json.replacingOccurrences(of: #""baseline":{"name":"\#(baseline.name)","hash":"\#(baseline.hash)"}"#,
                                                 with: #""baseline":null"#)
            }
            rendered.insert(json)
        }
        #expect(rendered.count == 1)
    }

    @Test func corruptLinesAreCountedReportedAndSkipped() throws {
        let folder = try TemporaryFolder()
        var random = SeededRandom(seed: 99)
        let set = try Self.compile(Generator.policySet(&random, policies: 10), in: folder, name: "set")
        let clean = try String(contentsOfFile: try Self.writeLog(set, seed: 5, count: 1000, in: folder), encoding: .utf8)
        var lines = clean.split(separator: "\n").map(String.init)
        let truncated = String(lines[10].prefix(lines[10].count / 2))
        lines.insert(truncated, at: 100)                                   // line 101
        lines.insert("not json at all", at: 200)                           // line 201
        lines.insert("", at: 300)                                          // line 301: blank, skipped
        lines.insert(#"{"time":"2026-11-20T14:03:00Z","request":"oops","decision":"allow"}"#, at: 400)  // 401
        lines.insert(#"{"time":"yesterday","request":{},"decision":"allow"}"#, at: 500)                 // 501
        lines.insert(#"{"time":"2026-11-20T14:03:00Z","request":{"subject":5},"decision":"deny"}"#, at: 600)  // 601
        lines.insert(#"{"time":"2026-11-20T14:03:00Z","request":{},"decision":"maybe"}"#, at: 700)      // 701
        let log = try folder.write("corrupt.jsonl", lines.joined(separator: "\n") + "\n")

        let report = try ReplayRunner.run(ReplayConfiguration(policies: set, logs: [log], jobs: 2, batchBytes: 4096))
        #expect(report.lines == 1007)
        #expect(report.requests == 1000)
        #expect(report.unchanged == 1000)
        #expect(report.unreadable == 6)
        #expect(report.badLines.map(\.line) == [101, 201, 401, 501, 601, 701])
        #expect(report.badLines.map(\.message).prefix(5) == [
            "the line is truncated", "the line is not a JSON object", "`request` must be a JSON object",
            "`time` must be an RFC 3339 timestamp", report.badLines[4].message,
        ])
        #expect(report.badLines[4].message.hasPrefix("the request is invalid"))
        #expect(report.badLines[5].message == "`decision` must be \"allow\" or \"deny\"")

        #expect(throws: ReplayError.strict(BadLine(log: log, line: 101, message: "the line is truncated"))) {
            try ReplayRunner.run(ReplayConfiguration(policies: set, logs: [log], jobs: 2, strict: true, batchBytes: 4096))
        }
    }

    @Test func gzipLogsAndSeveralLogsReplayLikePlainOnes() throws {
        let folder = try TemporaryFolder()
        var random = SeededRandom(seed: 7)
        let old = try Self.compile(Generator.policySet(&random, policies: 10), in: folder, name: "old")
        let new = try Self.compile(Generator.policySet(&random, policies: 10), in: folder, name: "new")
        let first = try Self.writeLog(old, seed: 1, count: 800, in: folder, name: "a.jsonl")
        let second = try Self.writeLog(old, seed: 2, count: 700, in: folder, name: "b.jsonl")
        let plain = try ReplayRunner.run(ReplayConfiguration(policies: new, logs: [first, second], jobs: 2))
        try folder.run("/bin/gzip", ["-k", "-n", first])
        let zipped = try ReplayRunner.run(ReplayConfiguration(policies: new, logs: [first + ".gz", second], jobs: 2))
        #expect(zipped.requests == 1500)
        #expect(zipped.changes == plain.changes)
        #expect(zipped.causes == plain.causes)
        #expect(zipped.examples.map(\.line) == plain.examples.map(\.line))
    }

    @Test func plainRequestLinesNeedABaseline() throws {
        let folder = try TemporaryFolder()
        var random = SeededRandom(seed: 3)
        let set = try Self.compile(Generator.policySet(&random, policies: 5), in: folder, name: "set")
        let requests = (0..<50).map { _ in Generator.request(&random, time: Self.start) }
        let log = try folder.write("requests.jsonl", requests.joined(separator: "\n") + "\n")
        let alone = try ReplayRunner.run(ReplayConfiguration(policies: set, logs: [log]))
        #expect(alone.unreadable == 50)
        #expect(alone.badLines.first?.message.contains("--baseline") == true)
        let compared = try ReplayRunner.run(ReplayConfiguration(policies: set, baseline: set, logs: [log], now: Self.start))
        #expect(compared.requests == 50 && compared.unchanged == 50)
    }
}
