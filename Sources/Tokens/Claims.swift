import JWTKit
import PolicyLanguage

/// `aud` as JWT allows it: one string or an array of strings.
public struct AudienceList: Codable, Sendable, Equatable {
    public var values: [String]

    public init(_ values: [String]) { self.values = values }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let one = try? container.decode(String.self) {
            values = [one]
        } else {
            values = try container.decode([String].self)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if values.count == 1 { try container.encode(values[0]) } else { try container.encode(values) }
    }
}

/// One party in a delegation chain, as carried in an `act` claim.
public struct ChainActor: Sendable, Equatable {
    public var id: String
    public var kind: SubjectKind

    public init(id: String, kind: SubjectKind) {
        self.id = id
        self.kind = kind
    }
}

/// The RFC 8693 `act` claim: the current actor outermost, each earlier actor
/// nested inside. Held flat, most recent actor first; decoding is bounded, so
/// a hostile token cannot nest without limit.
public struct ActorChain: Codable, Sendable, Equatable {
    public static let maximumLength = 16
    public var actors: [ChainActor]

    public init(_ actors: [ChainActor]) { self.actors = actors }

    private enum Keys: String, CodingKey { case sub, kind, act }

    public init(from decoder: any Decoder) throws {
        var actors: [ChainActor] = []
        var container = try decoder.container(keyedBy: Keys.self)
        while true {
            guard actors.count < Self.maximumLength else {
                throw DecodingError.dataCorruptedError(forKey: .act, in: container,
                                                       debugDescription: "`act` chain longer than \(Self.maximumLength)")
            }
            let kind = try container.decodeIfPresent(String.self, forKey: .kind)
            actors.append(ChainActor(id: try container.decode(String.self, forKey: .sub),
                                     kind: kind.flatMap(SubjectKind.named) ?? .agent))
            guard container.contains(.act) else { break }
            container = try container.nestedContainer(keyedBy: Keys.self, forKey: .act)
        }
        self.actors = actors
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        for (index, actor) in actors.enumerated() {
            try container.encode(actor.id, forKey: .sub)
            try container.encode(actor.kind.name, forKey: .kind)
            if index + 1 < actors.count { container = container.nestedContainer(keyedBy: Keys.self, forKey: .act) }
        }
    }
}

extension SubjectKind {
    static func named(_ name: String) -> SubjectKind? {
        allCases.first { $0.name == name }
    }
}

/// The claims of an access token Agate issues (an RFC 9068-style JWT).
public struct AccessTokenClaims: JWTPayload, Equatable {
    public var iss: String
    /// The identity the token speaks for: the agent, or after a token
    /// exchange the origin of the delegation chain.
    public var sub: String
    /// The kind of `sub` (`agent`, `user`, …).
    public var kind: String
    public var aud: AudienceList
    /// Granted scopes.
    public var scp: [String]
    public var exp: Int64
    public var iat: Int64
    public var nbf: Int64
    public var jti: String
    /// The agent the token was issued to (the current actor in an exchange).
    public var clientID: String
    /// The blueprint of that agent.
    public var blueprint: String?
    /// The delegation chain, current actor first; absent when acting as itself.
    public var act: ActorChain?

    enum CodingKeys: String, CodingKey {
        case iss, sub, kind, aud, scp, exp, iat, nbf, jti, blueprint, act
        case clientID = "client_id"
    }

    public init(iss: String, sub: String, kind: String, aud: String, scp: [String], exp: Int64, iat: Int64,
                nbf: Int64, jti: String, clientID: String, blueprint: String?, act: ActorChain?) {
        self.iss = iss
        self.sub = sub
        self.kind = kind
        self.aud = AudienceList([aud])
        self.scp = scp
        self.exp = exp
        self.iat = iat
        self.nbf = nbf
        self.jti = jti
        self.clientID = clientID
        self.blueprint = blueprint
        self.act = act
    }

    /// Time checks use the caller's clock (a request's `time`), not the
    /// system's, so they are done by the verifier, not here.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// The claims of a client assertion (RFC 7523 §3) or a federated token.
public struct AssertionClaims: JWTPayload, Equatable {
    public var iss: String
    public var sub: String
    public var aud: AudienceList
    public var exp: Int64
    public var iat: Int64?
    public var nbf: Int64?
    public var jti: String?

    public init(iss: String, sub: String, aud: String, exp: Int64, iat: Int64? = nil, nbf: Int64? = nil,
                jti: String? = nil) {
        self.iss = iss
        self.sub = sub
        self.aud = AudienceList([aud])
        self.exp = exp
        self.iat = iat
        self.nbf = nbf
        self.jti = jti
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}
