import PolicyVM

/// How the new answer to one request differs from the old one.
public enum ChangeKind: Int, CaseIterable, Sendable, Comparable {
    case allowToDeny
    case denyToAllow
    /// Still allowed, but with another token lifetime, scopes or requirements.
    case controls

    /// The spelling in `--fail-on`, the JSON report and the docs.
    public var name: String {
        switch self {
        case .allowToDeny: "allow-to-deny"
        case .denyToAllow: "deny-to-allow"
        case .controls: "controls"
        }
    }

    /// The heading in the text report.
    var title: String {
        switch self {
        case .allowToDeny: "allow → deny"
        case .denyToAllow: "deny → allow"
        case .controls: "allow with different controls"
        }
    }

    public static func < (a: ChangeKind, b: ChangeKind) -> Bool { a.rawValue < b.rawValue }
}

/// Which controls differ between two allows (several may at once).
public struct ControlChanges: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let tokenLifetime = ControlChanges(rawValue: 1)
    public static let scopes = ControlChanges(rawValue: 2)
    public static let require = ControlChanges(rawValue: 4)
}

/// How a policy named as a cause relates to the change.
public enum CauseRole: Int, Sendable, Comparable, CaseIterable {
    /// In the new answer's `policies`, not in the old one's.
    case newlyMatched
    /// In the old answer's `policies`, not in the new one's.
    case stoppedMatching
    /// In both, for a change of controls that no other policy explains: its controls changed.
    case stillMatching

    /// The spelling in the JSON report.
    public var name: String {
        switch self {
        case .newlyMatched: "newly_matched"
        case .stoppedMatching: "stopped_matching"
        case .stillMatching: "still_matching"
        }
    }

    public static func < (a: CauseRole, b: CauseRole) -> Bool { a.rawValue < b.rawValue }
}

/// The verdict on one request, with the policies that explain it.
struct Comparison {
    /// nil when the decision and the controls are the same.
    var kind: ChangeKind?
    var controlChanges: ControlChanges = []
    /// In the new answer's `policies`, not in the old one's (new answer order).
    var newlyMatched: [String] = []
    /// In the old answer's `policies`, not in the new one's (old answer order).
    var stoppedMatching: [String] = []
    /// For a change of controls with the same policies named: those policies.
    var stillMatching: [String] = []
    /// The new answer's reasons when it denies without naming a policy
    /// (default deny, no granted scope): the cause is the absence of an allow.
    var denyReasons: [String] = []

    /// Compares two answers field by field: decision, then controls, then policies.
    init(old: Answer, new: Answer) {
        let oldPolicies = Set(old.policies)
        let newPolicies = Set(new.policies)
        newlyMatched = new.policies.filter { !oldPolicies.contains($0) }
        stoppedMatching = old.policies.filter { !newPolicies.contains($0) }
        switch (old.decision, new.decision) {
        case (.allow, .deny):
            kind = .allowToDeny
            if newlyMatched.isEmpty { denyReasons = new.reasons }
        case (.deny, .allow):
            kind = .denyToAllow
        case (.allow, .allow):
            controlChanges = Self.differences(old.controls ?? GrantedControls(), new.controls ?? GrantedControls())
            kind = controlChanges.isEmpty ? nil : .controls
            if kind != nil && newlyMatched.isEmpty && stoppedMatching.isEmpty { stillMatching = new.policies }
        case (.deny, .deny):
            kind = nil
        }
    }

    private static func differences(_ a: GrantedControls, _ b: GrantedControls) -> ControlChanges {
        var changes: ControlChanges = []
        if a.tokenLifetime != b.tokenLifetime { changes.insert(.tokenLifetime) }
        if a.scopes != b.scopes { changes.insert(.scopes) }
        if a.require != b.require { changes.insert(.require) }
        return changes
    }
}
