/// Every request signal the language can read. This table is the single source
/// of truth: the checker resolves names from it, the compiler and request
/// decoder use its ids and JSON paths, and the language reference is generated
/// from it (`agate signals`), so none of them can drift.
public enum Signal: UInt8, CaseIterable, Sendable {
    case subjectID, subjectKind, subjectBlueprint, subjectSponsor, subjectGroups
    case subjectRisk, subjectCreated
    case audience, scopes
    case locationIP, locationCountry
    case time, timeHour, timeWeekday
    case riskLevel, riskScore, riskSignals
    case delegationDepth, delegationChain, delegationOrigin

    public var info: SignalInfo { SignalInfo.table[Int(rawValue)] }

    /// Looks a signal up by its dotted name (`subject.kind`).
    public static func named(_ name: String) -> Signal? { byName[name] }

    private static let byName: [String: Signal] = Dictionary(
        uniqueKeysWithValues: Signal.allCases.map { ($0.info.name, $0) })
}

public struct SignalInfo: Sendable {
    /// The name written in policies.
    public let name: String
    public let type: ValueType
    /// Optional signals may be absent; reading one without `has` is a runtime
    /// error (fail closed) and the checker warns about it.
    public let optional: Bool
    /// Where the value comes from in the request JSON.
    public let json: String
    public let summary: String

    // Order must match `Signal`'s cases.
    static let table: [SignalInfo] = [
        .init(name: "subject.id", type: .string, optional: false, json: "subject.id",
              summary: "the identity asking (agent, user, workload or service id)"),
        .init(name: "subject.kind", type: .subjectKind, optional: false, json: "subject.kind",
              summary: "`agent`, `user`, `workload` or `service`"),
        .init(name: "subject.blueprint", type: .string, optional: true, json: "subject.blueprint",
              summary: "the blueprint an agent derives from"),
        .init(name: "subject.sponsor", type: .string, optional: true, json: "subject.sponsor",
              summary: "the accountable human sponsor of an agent"),
        .init(name: "subject.groups", type: .set(.string), optional: false, json: "subject.groups",
              summary: "groups the subject belongs to (empty when absent)"),
        .init(name: "subject.risk", type: .riskLevel, optional: false, json: "subject.risk",
              summary: "standing risk of the identity (`none` when absent)"),
        .init(name: "subject.created", type: .timestamp, optional: true, json: "subject.created",
              summary: "when the identity was created (RFC 3339)"),
        .init(name: "audience", type: .string, optional: false, json: "audience",
              summary: "the one resource the request targets"),
        .init(name: "scopes", type: .set(.string), optional: false, json: "scopes",
              summary: "scopes requested (empty when absent)"),
        .init(name: "location.ip", type: .ip, optional: false, json: "location.ip",
              summary: "the caller's IPv4 or IPv6 address"),
        .init(name: "location.country", type: .string, optional: true, json: "location.country",
              summary: "ISO 3166-1 alpha-2 country of the caller"),
        .init(name: "time", type: .timestamp, optional: false, json: "time",
              summary: "time of the request (RFC 3339); `time in schedule` evaluates in the schedule's zone"),
        .init(name: "time.hour", type: .int, optional: false, json: "time",
              summary: "hour of the request in UTC, 0–23"),
        .init(name: "time.weekday", type: .weekday, optional: false, json: "time",
              summary: "ISO weekday of the request in UTC (`mon` … `sun`)"),
        .init(name: "risk.level", type: .riskLevel, optional: false, json: "risk.level",
              summary: "sign-in risk of this request (`none` when absent)"),
        .init(name: "risk.score", type: .int, optional: false, json: "risk.score",
              summary: "risk score 0–100 (0 when absent)"),
        .init(name: "risk.signals", type: .set(.string), optional: false, json: "risk.signals",
              summary: "risk detections such as `impossible_travel`"),
        .init(name: "delegation.depth", type: .int, optional: false, json: "on_behalf_of",
              summary: "length of the on-behalf-of chain, 0 when acting as itself"),
        .init(name: "delegation.chain", type: .set(.string), optional: false, json: "on_behalf_of",
              summary: "ids in the on-behalf-of chain"),
        .init(name: "delegation.origin", type: .string, optional: true, json: "on_behalf_of",
              summary: "id at the root of the chain (absent when not delegated)"),
    ]
}

/// Caller-defined attribute maps whose member types are only known at run time.
/// A read names the type it expects; a value of another type is a runtime error.
public enum DynamicRoot: UInt8, CaseIterable, Sendable {
    /// `subject.attributes.NAME`
    case subjectAttributes
    /// `context.NAME`
    case context

    public var prefix: String { self == .subjectAttributes ? "subject.attributes" : "context" }
    /// The types a dynamic value may have.
    public static let allowedTypes: [ValueType] = [.string, .int, .bool, .set(.string)]
}

/// Record-like names that `has` can be asked of (`subject has blueprint`).
public enum HasTarget: Sendable, Hashable {
    /// An optional fixed signal.
    case signal(Signal)
    /// A dynamic member: `subject.attributes has cost_center`, `context has ticket`.
    case dynamic(DynamicRoot, name: String)
}
