import Foundation
import PolicyVM

/// The outcome of a replay: what would change if the new policies shipped,
/// and why. Lists are sorted (largest count first, then by name) so the
/// report is identical from run to run.
public struct ReplayReport: Sendable {
    /// A policy named as the cause of changes of one kind.
    public struct Cause: Sendable, Equatable {
        public var kind: ChangeKind
        public var policy: String
        public var role: CauseRole
        public var count: Int
    }

    /// A reason of the new answers for changes no policy name explains
    /// (the default deny, no requested scope granted).
    public struct ReasonCause: Sendable, Equatable {
        public var kind: ChangeKind
        public var reason: String
        public var count: Int
    }

    /// Changed requests sharing one blueprint, audience or subject.
    public struct Breakdown: Sendable, Equatable {
        public var key: String
        public var counts: KindCounts
    }

    /// How often a `report_only` policy matched, under the new and the old policies.
    public struct ReportOnlyCount: Sendable, Equatable {
        public var policy: String
        /// `deny`, `allow` or `limit`.
        public var would: String
        public var new: Int
        public var old: Int
    }

    /// Name and `sha256:` hash of a policy set.
    public struct PolicySetName: Sendable, Equatable {
        public var name: String
        public var hash: String
    }

    public var policies: PolicySetName
    /// nil: compared with the decisions recorded in the logs.
    public var baseline: PolicySetName?
    public var logs: [String]
    public var lines: Int
    public var requests: Int
    public var unchanged: Int
    public var unchangedDifferentPolicies: Int
    public var changes: KindCounts
    public var lifetimeChanges: Int
    public var scopeChanges: Int
    public var requireChanges: Int
    public var unreadable: Int
    public var badLines: [BadLine]
    public var causes: [Cause]
    public var reasons: [ReasonCause]
    public var byBlueprint: [Breakdown]
    public var byAudience: [Breakdown]
    public var bySubject: [Breakdown]
    public var examples: [ChangeExample]
    public var reportOnly: [ReportOnlyCount]
    /// Wall-clock seconds of the replay.
    public var elapsed: Double

    init(configuration: ReplayConfiguration, tally: ReplayTally, reportOnlyNew: ByteCounter,
         reportOnlyOld: ByteCounter, elapsed: Double) {
        policies = PolicySetName(name: configuration.policies.name, hash: configuration.policies.hash)
        baseline = configuration.baseline.map { PolicySetName(name: $0.name, hash: $0.hash) }
        logs = configuration.logs
        lines = tally.lines
        requests = tally.requests
        unchanged = tally.unchanged
        unchangedDifferentPolicies = tally.unchangedDifferentPolicies
        changes = tally.changes
        lifetimeChanges = tally.lifetimeChanges
        scopeChanges = tally.scopeChanges
        requireChanges = tally.requireChanges
        unreadable = tally.unreadable
        badLines = tally.badLines.map { BadLine(log: configuration.logs[$0.source], line: $0.line, message: $0.message) }
        causes = tally.causes.map { Cause(kind: $0.key.kind, policy: $0.key.policy, role: $0.key.role, count: $0.value) }
            .sorted { ($0.kind, -$0.count, $0.policy, $0.role) < ($1.kind, -$1.count, $1.policy, $1.role) }
        reasons = tally.reasons.map { ReasonCause(kind: $0.key.kind, reason: $0.key.reason, count: $0.value) }
            .sorted { ($0.kind, -$0.count, $0.reason) < ($1.kind, -$1.count, $1.reason) }
        byBlueprint = Self.sorted(tally.byBlueprint)
        byAudience = Self.sorted(tally.byAudience)
        bySubject = Self.sorted(tally.bySubject)
        examples = ChangeKind.allCases.flatMap { kind in tally.examples.map(\.example).filter { $0.kind == kind } }
        reportOnly = Self.reportOnly(new: reportOnlyNew, old: reportOnlyOld)
        self.elapsed = elapsed
    }

    /// Every change of the given kinds, summed.
    public func count(of kinds: Set<ChangeKind>) -> Int {
        kinds.reduce(0) { $0 + changes[$1] }
    }

    private static func sorted(_ counts: [String: KindCounts]) -> [Breakdown] {
        counts.map { Breakdown(key: $0.key, counts: $0.value) }
            .sorted { ($1.counts.total, $0.key) < ($0.counts.total, $1.key) }
    }

    private static func reportOnly(new: ByteCounter, old: ByteCounter) -> [ReportOnlyCount] {
        var counts: [String: [String: (new: Int, old: Int)]] = [:]
        for (isNew, counter) in [(true, new), (false, old)] {
            for (bytes, count) in counter.entries() {
                for (policy, would) in parseReportOnly(bytes) {
                    var entry = counts[policy, default: [:]][would, default: (0, 0)]
                    if isNew { entry.new += count } else { entry.old += count }
                    counts[policy, default: [:]][would] = entry
                }
            }
        }
        return counts.flatMap { policy, verdicts in
            verdicts.map { ReportOnlyCount(policy: policy, would: $0.key, new: $0.value.new, old: $0.value.old) }
        }.sorted { ($0.policy, $0.would) < ($1.policy, $1.would) }
    }

    /// Reads one distinct `report_only` array: `[{"policy":…,"would":…},…]`.
    private static func parseReportOnly(_ bytes: [UInt8]) -> [(String, String)] {
        guard let items = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]] else { return [] }
        return items.compactMap { item in
            guard let policy = item["policy"] as? String, let would = item["would"] as? String else { return nil }
            return (policy, would)
        }
    }
}
