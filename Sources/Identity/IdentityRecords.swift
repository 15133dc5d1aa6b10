/// Whether a record may be used. Disabling is reversible; nothing is ever
/// deleted, so the audit trail always names a record that still exists.
public enum RecordState: String, Sendable, Codable, CaseIterable {
    case active
    case disabled
}

/// A template for a kind of agent: every agent derives from exactly one.
public struct Blueprint: Sendable, Equatable, Codable {
    public var name: String
    public var description: String
    /// Scopes asked for when a token request names none.
    public var defaultScopes: [String]
    /// A ceiling on every token issued to an agent of this blueprint, in seconds.
    public var maxTokenLifetime: Int64
    public var state: RecordState
    /// Seconds since the epoch.
    public var created: Int64

    public init(name: String, description: String = "", defaultScopes: [String] = [],
                maxTokenLifetime: Int64 = 3600, state: RecordState = .active, created: Int64 = 0) {
        self.name = name
        self.description = description
        self.defaultScopes = defaultScopes
        self.maxTokenLifetime = maxTokenLifetime
        self.state = state
        self.created = created
    }

    enum CodingKeys: String, CodingKey {
        case name, description, state, created
        case defaultScopes = "default_scopes"
        case maxTokenLifetime = "max_token_lifetime_s"
    }
}

/// The value of an agent attribute; mirrors the dynamic values policies read
/// as `subject.attributes.NAME`.
public enum AttributeValue: Sendable, Equatable, Hashable, Codable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case stringSet([String])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([String].self) {
            self = .stringSet(value)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "an attribute is a string, an integer, a boolean or an array of strings")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .stringSet(let value): try container.encode(value)
        }
    }
}

/// An agent identity: derived from one blueprint, owned by one accountable
/// human sponsor, revocable on its own.
public struct Agent: Sendable, Equatable, Codable {
    public var id: String
    public var displayName: String
    public var blueprint: String
    public var sponsor: String
    public var groups: [String]
    public var attributes: [String: AttributeValue]
    public var state: RecordState
    /// Seconds since the epoch.
    public var created: Int64
    /// Seconds since the epoch; the agent is denied from this instant on.
    public var expires: Int64?

    public init(id: String, displayName: String, blueprint: String, sponsor: String, groups: [String] = [],
                attributes: [String: AttributeValue] = [:], state: RecordState = .active,
                created: Int64 = 0, expires: Int64? = nil) {
        self.id = id
        self.displayName = displayName
        self.blueprint = blueprint
        self.sponsor = sponsor
        self.groups = groups
        self.attributes = attributes
        self.state = state
        self.created = created
        self.expires = expires
    }

    enum CodingKeys: String, CodingKey {
        case id, blueprint, sponsor, groups, attributes, state, created, expires
        case displayName = "display_name"
    }
}

/// What an agent proves its identity with. No secret is ever stored: only
/// public keys, or the coordinates of a trusted external issuer.
public enum CredentialMaterial: Sendable, Equatable {
    /// A public JWK (ES256 or EdDSA) the agent signs client assertions with.
    case publicKey(jwk: String, algorithm: String)
    /// Workload identity federation: tokens from `issuer` whose `sub` is
    /// `subject`, verified against `jwks`, stand for the agent.
    case federated(issuer: String, subject: String, jwks: String)

    public var kind: String {
        switch self {
        case .publicKey: "public_key"
        case .federated: "federated"
        }
    }
}

/// A credential registered for an agent.
public struct Credential: Sendable, Equatable {
    /// The key id (`kid`, by default the RFC 7638 thumbprint) or a generated id
    /// for a federated credential; unique across the store.
    public var id: String
    public var agentID: String
    public var material: CredentialMaterial
    public var state: CredentialState
    public var created: Int64
    public var revoked: Int64?

    public init(id: String, agentID: String, material: CredentialMaterial, state: CredentialState = .active,
                created: Int64 = 0, revoked: Int64? = nil) {
        self.id = id
        self.agentID = agentID
        self.material = material
        self.state = state
        self.created = created
        self.revoked = revoked
    }
}

/// A credential is usable until revoked; revocation is final.
public enum CredentialState: String, Sendable, Codable {
    case active
    case revoked
}

/// One append-only audit event: who did what to which record, when.
public struct AuditEvent: Sendable, Equatable, Codable {
    public var sequence: Int64
    public var time: Int64
    public var actor: String
    public var action: String
    public var target: String
    /// A JSON object with the specifics of the change.
    public var details: String

    public init(sequence: Int64, time: Int64, actor: String, action: String, target: String, details: String) {
        self.sequence = sequence
        self.time = time
        self.actor = actor
        self.action = action
        self.target = target
        self.details = details
    }
}
