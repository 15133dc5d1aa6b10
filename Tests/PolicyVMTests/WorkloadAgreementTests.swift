import Foundation
import PolicyLanguage
import Testing
@testable import PolicyVM

/// Agate's decisions on the shared workload (../shared/workload) must equal the
/// ones Cedar, Rego and the workload's own oracle agree on, for every request.
/// `AGATE_WORKLOAD_SAMPLE=k` checks every k-th request only (for slow CI).
@Suite("Workload agreement with Cedar and Rego")
struct WorkloadAgreementTests {
    static let sample = ProcessInfo.processInfo.environment["AGATE_WORKLOAD_SAMPLE"].flatMap(Int.init) ?? 1

    @Test(.enabled(if: WorkloadLocation.isPresent, "the shared workload is not at ../shared/workload: skipped"),
          arguments: [10, 100, 1000], [PolicyIndex.Layout.bitsets, .lists])
    func everyDecisionAgrees(n: Int, indexLayout: PolicyIndex.Layout) throws {
        let loaded = PolicyFrontend.load(paths: [WorkloadLocation.committedPolicies(n).path])
        let checked = try #require(loaded.policySet, "policies_N\(n).agate does not check: \(loaded.diagnostics)")
        var evaluator = Evaluator(try CompiledPolicySet.compile(checked, indexLayout: indexLayout))
        let requests = try Self.lines(gunzipping: "requests_N\(n).jsonl.gz")
        let expected = try Self.lines(gunzipping: "expected_N\(n).jsonl.gz")
        try #require(requests.count == expected.count && requests.count >= 100_000)

        var checkedCount = 0
        var disagreements: [String] = []
        for index in stride(from: 0, to: requests.count, by: Self.sample) {
            _ = evaluator.decide(json: requests[index], now: 0)
            let answer = evaluator.answer()
            checkedCount += 1
            let want = Self.decision(in: expected[index])
            if answer.decision.name != want || !answer.errors.isEmpty {
                if disagreements.count < 10 {
                    disagreements.append("request #\(index): expected \(want), got \(answer.json())\n  "
                                         + String(decoding: requests[index], as: UTF8.self))
                } else {
                    disagreements.append("")
                }
            }
        }
        print("workload N=\(n), index \(indexLayout): \(checkedCount - disagreements.count)/\(checkedCount) decisions agree"
              + (Self.sample > 1 ? " (every \(Self.sample)th request)" : ""))
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements, first: \(disagreements.prefix(10).joined(separator: "\n"))")
    }

    /// `{"decision":"allow"}` → "allow".
    static func decision(in line: [UInt8]) -> String {
        String(decoding: line, as: UTF8.self).contains("\"allow\"") ? "allow" : "deny"
    }

    /// The lines of a gzipped data file, streamed through `gzip -dc`.
    static func lines(gunzipping name: String) throws -> [[UInt8]] {
        let path = WorkloadLocation.workload.appendingPathComponent("data/\(name)").path
        let (status, data) = try WorkloadLocation.run("gzip", ["-dc", path])
        try #require(status == 0, "gzip -dc \(path) failed")
        return data.split(separator: UInt8(ascii: "\n")).map(Array.init)
    }
}
