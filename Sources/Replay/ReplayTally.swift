/// Counts per kind of change.
public struct KindCounts: Sendable, Equatable {
    public var allowToDeny = 0
    public var denyToAllow = 0
    public var controls = 0

    public init() {}

    public subscript(kind: ChangeKind) -> Int {
        get {
            switch kind {
            case .allowToDeny: allowToDeny
            case .denyToAllow: denyToAllow
            case .controls: controls
            }
        }
        set {
            switch kind {
            case .allowToDeny: allowToDeny = newValue
            case .denyToAllow: denyToAllow = newValue
            case .controls: controls = newValue
            }
        }
    }

    public var total: Int { allowToDeny + denyToAllow + controls }

    mutating func add(_ other: KindCounts) {
        allowToDeny += other.allowToDeny
        denyToAllow += other.denyToAllow
        controls += other.controls
    }
}

/// A line replay could not use, with its 1-based number in its log.
public struct BadLine: Sendable, Equatable {
    /// The log as given on the command line.
    public var log: String
    public var line: Int
    public var message: String
}

/// One changed request shown in full.
public struct ChangeExample: Sendable, Equatable {
    public var kind: ChangeKind
    public var log: String
    public var line: Int
    /// The request JSON as it appears in the log.
    public var request: String
    /// The recorded (or baseline) answer and the new one, as answer JSON.
    public var old: String
    public var new: String
}

/// A policy named as the cause of changes of one kind.
struct CauseKey: Hashable {
    var kind: ChangeKind
    var policy: String
    var role: CauseRole
}

/// A reason of the new answer for changes that no policy name explains.
struct ReasonKey: Hashable {
    var kind: ChangeKind
    var reason: String
}

/// What the workers found in one batch (line numbers relative to the batch),
/// or, after merging, in the whole replay.
struct ReplayTally {
    var lines = 0
    var requests = 0
    var unchanged = 0
    /// Same decision and controls, but other policies named.
    var unchangedDifferentPolicies = 0
    var changes = KindCounts()
    /// Among `changes.controls`: how many changed each control.
    var lifetimeChanges = 0
    var scopeChanges = 0
    var requireChanges = 0
    var unreadable = 0
    /// (source, line, message), first few only.
    var badLines: [(source: Int, line: Int, message: String)] = []
    var causes: [CauseKey: Int] = [:]
    var reasons: [ReasonKey: Int] = [:]
    var byBlueprint: [String: KindCounts] = [:]
    var byAudience: [String: KindCounts] = [:]
    var bySubject: [String: KindCounts] = [:]
    /// (source, line, example), first few per kind, in line order.
    var examples: [(source: Int, line: Int, example: ChangeExample)] = []

    mutating func count(_ comparison: Comparison, keys: RequestKeys) {
        guard let kind = comparison.kind else { return }
        changes[kind] += 1
        if comparison.controlChanges.contains(.tokenLifetime) { lifetimeChanges += 1 }
        if comparison.controlChanges.contains(.scopes) { scopeChanges += 1 }
        if comparison.controlChanges.contains(.require) { requireChanges += 1 }
        for policy in comparison.newlyMatched { causes[CauseKey(kind: kind, policy: policy, role: .newlyMatched), default: 0] += 1 }
        for policy in comparison.stoppedMatching {
            causes[CauseKey(kind: kind, policy: policy, role: .stoppedMatching), default: 0] += 1
        }
        for policy in comparison.stillMatching { causes[CauseKey(kind: kind, policy: policy, role: .stillMatching), default: 0] += 1 }
        for reason in comparison.denyReasons { reasons[ReasonKey(kind: kind, reason: reason), default: 0] += 1 }
        byBlueprint[keys.blueprint ?? RequestKeys.absent, default: KindCounts()][kind] += 1
        byAudience[keys.audience ?? RequestKeys.absent, default: KindCounts()][kind] += 1
        bySubject[keys.subject ?? RequestKeys.absent, default: KindCounts()][kind] += 1
    }

    /// Adds a later batch; `lineBase` turns its relative line numbers into the log's.
    mutating func absorb(_ other: ReplayTally, lineBase: Int, examplesPerKind: Int, badLineSamples: Int) {
        lines += other.lines
        requests += other.requests
        unchanged += other.unchanged
        unchangedDifferentPolicies += other.unchangedDifferentPolicies
        changes.add(other.changes)
        lifetimeChanges += other.lifetimeChanges
        scopeChanges += other.scopeChanges
        requireChanges += other.requireChanges
        unreadable += other.unreadable
        for bad in other.badLines where badLines.count < badLineSamples {
            badLines.append((bad.source, bad.line + lineBase, bad.message))
        }
        causes.merge(other.causes, uniquingKeysWith: +)
        reasons.merge(other.reasons, uniquingKeysWith: +)
        Self.merge(&byBlueprint, other.byBlueprint)
        Self.merge(&byAudience, other.byAudience)
        Self.merge(&bySubject, other.bySubject)
        for item in other.examples
        where examples.count(where: { $0.example.kind == item.example.kind }) < examplesPerKind {
            var example = item.example
            example.line = item.line + lineBase
            examples.append((item.source, example.line, example))
        }
    }

    private static func merge(_ into: inout [String: KindCounts], _ other: [String: KindCounts]) {
        for (key, counts) in other { into[key, default: KindCounts()].add(counts) }
    }
}
