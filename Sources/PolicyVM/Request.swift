import PolicyLanguage

/// A request as a plain Swift value: the readable model of the signals.
///
/// The hot path never builds one (it decodes JSON straight into a frame); this
/// model is for the reference evaluator, generators, token issuance and tests.
/// Its JSON form is the request contract of DESIGN.md:
///
/// - `subject` (required): `id` (required), `kind` (required), `blueprint`,
///   `sponsor`, `groups` (default `[]`), `risk` (default `none`), `created`
///   (RFC 3339), `attributes` (string, int, bool or array of strings)
/// - `audience` (required), `scopes` (default `[]`)
/// - `location` (required): `ip` (required), `country`
/// - `time` (RFC 3339; the evaluator's clock when absent)
/// - `risk`: `level` (default `none`), `score` (0…100, default 0), `signals` (default `[]`)
/// - `on_behalf_of`: `[{ "id", "kind" }]` from the origin of the chain to the
///   immediate delegator; `delegation.depth` is its length, `.origin` its first id
/// - `context`: caller-defined values of the same shapes as `attributes`
public struct Request: Sendable, Equatable {
    public struct Subject: Sendable, Equatable {
        public var id: String
        public var kind: SubjectKind
        public var blueprint: String?
        public var sponsor: String?
        public var groups: [String]
        public var risk: RiskLevel
        /// Seconds since the epoch.
        public var created: Int64?
        public var attributes: [String: DynamicValue]

        public init(id: String, kind: SubjectKind, blueprint: String? = nil, sponsor: String? = nil,
                    groups: [String] = [], risk: RiskLevel = .none, created: Int64? = nil,
                    attributes: [String: DynamicValue] = [:]) {
            self.id = id
            self.kind = kind
            self.blueprint = blueprint
            self.sponsor = sponsor
            self.groups = groups
            self.risk = risk
            self.created = created
            self.attributes = attributes
        }
    }

    public struct Actor: Sendable, Equatable {
        public var id: String
        public var kind: SubjectKind
        public init(id: String, kind: SubjectKind) {
            self.id = id
            self.kind = kind
        }
    }

    public var subject: Subject
    public var audience: String
    public var scopes: [String]
    public var ip: IPAddress
    public var country: String?
    /// Seconds since the epoch, UTC.
    public var time: Int64
    public var riskLevel: RiskLevel
    public var riskScore: Int64
    public var riskSignals: [String]
    public var onBehalfOf: [Actor]
    public var context: [String: DynamicValue]

    public init(subject: Subject, audience: String, scopes: [String] = [], ip: IPAddress,
                country: String? = nil, time: Int64, riskLevel: RiskLevel = .none, riskScore: Int64 = 0,
                riskSignals: [String] = [], onBehalfOf: [Actor] = [], context: [String: DynamicValue] = [:]) {
        self.subject = subject
        self.audience = audience
        self.scopes = scopes
        self.ip = ip
        self.country = country
        self.time = time
        self.riskLevel = riskLevel
        self.riskScore = riskScore
        self.riskSignals = riskSignals
        self.onBehalfOf = onBehalfOf
        self.context = context
    }
}

/// The value of a dynamic attribute (`subject.attributes.NAME`, `context.NAME`).
public enum DynamicValue: Sendable, Equatable, Hashable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case stringSet([String])

    public var type: ValueType {
        switch self {
        case .string: .string
        case .int: .int
        case .bool: .bool
        case .stringSet: .set(.string)
        }
    }
}
