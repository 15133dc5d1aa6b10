import Foundation
import Identity
import JWTKit
import PolicyLanguage
import PolicyVM

/// Issues access tokens: authenticates the agent, resolves it from the
/// identity store, asks policy, and signs a short-lived JWT on allow.
///
/// The service holds no mutable state of its own but its signing keys, which
/// `reloadKeys()` replaces atomically (replay ids and audit go to the store),
/// so one value can serve every connection of a server.
public struct TokenService: Sendable {
    /// This issuer's identifier: the `iss` of its tokens and the `aud` client
    /// assertions must name.
    public let issuer: String
    /// The issuer identifier used when none is configured.
    public static let defaultIssuer = "https://agate.local"
    public let store: IdentityStore
    private let ring: SigningKeyRing

    /// The signing keys in use: those given to `init`, or the latest `reloadKeys()` read.
    public var keys: SigningKeyStore { ring.current }

    public init(issuer: String, store: IdentityStore, keys: SigningKeyStore) {
        self.issuer = issuer
        self.store = store
        self.ring = SigningKeyRing(keys)
    }

    /// Reads the key directory again, so that keys rotated or retired with
    /// `agate keys` in another process take effect without a restart. True when
    /// the set changed; on error the keys in use stay (in-memory keys never change).
    @discardableResult
    public func reloadKeys() throws(KeyError) -> Bool {
        guard let directory = ring.current.directory else { return false }
        return ring.replace(with: try SigningKeyStore.load(directory: directory))
    }

    /// Handles one token request. `decide` runs the policy set on the request
    /// Agate built; it is called at most once, and only for an authenticated,
    /// active agent. Every issuance and refusal is audited.
    public func issue(_ call: TokenCall, decide: (Request) -> Answer) async -> TokenResult {
        var result = TokenResult(outcome: .refused(.serverError("not started")))
        // One set of keys for the whole call, even if a reload lands meanwhile.
        let keys = self.keys
        do {
            let (agentID, delegation) = try await authenticate(call, keys: keys)
            result.agentID = agentID
            let (agent, blueprint) = try resolve(agentID, at: call.time)
            if let delegation { try checkChain(delegation, at: call.time) }
            var request = try buildRequest(call, agent: agent, blueprint: blueprint, delegation: delegation)
            if request.scopes.isEmpty { request.scopes = blueprint.defaultScopes }
            result.request = request
            let answer = decide(request)
            result.answer = answer
            guard answer.decision == .allow else { throw TokenError.policyDenied(reasons: answer.reasons) }
            // A requirement (`require "human_approval"`) is a condition of the
            // allow that nothing here can prove, so the token is withheld.
            if let required = answer.controls?.require, !required.isEmpty {
                throw TokenError.requirementsUnmet(required)
            }
            let token = try await sign(request, agent: agent, blueprint: blueprint, delegation: delegation,
                                       controls: answer.controls, keys: keys)
            result.outcome = .issued(token)
        } catch let error as TokenError {
            result.outcome = .refused(error)
        } catch {
            result.outcome = .refused(.serverError("token issuance failed: \(error)"))
        }
        if !audit(result, call: call), result.token != nil {
            // A token nobody can account for must not leave the building.
            result.outcome = .refused(.serverError("cannot record the issuance in the audit log"))
        }
        return result
    }

    private func authenticate(_ call: TokenCall, keys: SigningKeyStore) async throws -> (String, Delegation?) {
        let verifier = AssertionVerifier(store: store, issuer: issuer)
        let agentID: String
        var delegation: Delegation?
        switch call.grant {
        case .clientCredentials(let assertion):
            agentID = try await verifier.verifyClientAssertion(assertion, at: call.time)
        case .federated(let assertion):
            agentID = try await verifier.verifyFederated(assertion, at: call.time)
        case .tokenExchange(let subjectToken, let actorAssertion):
            agentID = try await verifier.verifyClientAssertion(actorAssertion, at: call.time)
            delegation = try await SubjectTokenVerifier(issuer: issuer, keys: keys)
                .verify(subjectToken, actor: agentID, at: call.time)
        }
        return (agentID, delegation)
    }

    /// Every agent the subject token delegates through (its `sub` and each
    /// earlier actor) must still be in good standing: disabling an agent
    /// revokes what it delegated, not only its own tokens.
    private func checkChain(_ delegation: Delegation, at time: Int64) throws {
        for link in delegation.onBehalfOf where link.kind == .agent {
            if case .denied(let reason) = store.standing(ofAgent: link.id, at: time) {
                throw TokenError.delegationRevoked(agent: link.id, reason: reason.description)
            }
        }
    }

    /// Runs after authentication, so only the agent itself learns it is disabled.
    private func resolve(_ agentID: String, at time: Int64) throws -> (Agent, Blueprint) {
        switch store.standing(ofAgent: agentID, at: time) {
        case .denied(let reason): throw TokenError.subjectDenied(code: reason.code, reason: reason.description)
        case .active(let agent, let blueprint): return (agent, blueprint)
        }
    }

    private func buildRequest(_ call: TokenCall, agent: Agent, blueprint: Blueprint, delegation: Delegation?) throws
        -> Request
    {
        guard !call.audience.isEmpty, call.audience.utf8.count <= 2048 else {
            throw TokenError.invalidRequest("`audience` must name one resource")
        }
        guard call.scopes.count <= 256, call.scopes.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 256 }) else {
            throw TokenError.invalidRequest("`scope` holds an empty or oversized scope, or too many")
        }
        guard let ip = RequestJSONIP.parse(call.ip) else {
            throw TokenError.invalidRequest("`location.ip` `\(call.ip)` is not an IP address")
        }
        let chain = delegation?.onBehalfOf.map { Request.Actor(id: $0.id, kind: $0.kind) } ?? []
        return Request(subject: Request.Subject(agent: agent), audience: call.audience, scopes: call.scopes, ip: ip,
                       country: call.country, time: call.time, onBehalfOf: chain)
    }

    private func sign(_ request: Request, agent: Agent, blueprint: Blueprint, delegation: Delegation?,
                      controls: GrantedControls?, keys: SigningKeyStore) async throws -> IssuedToken
    {
        // The blueprint's ceiling holds even when no policy sets a lifetime.
        let lifetime = min(controls?.tokenLifetime ?? blueprint.maxTokenLifetime, blueprint.maxTokenLifetime)
        guard lifetime > 0 else { throw TokenError.policyDenied(reasons: ["the granted token lifetime is zero"]) }
        let scopes = controls?.scopes ?? request.scopes
        let now = request.time
        let subject = delegation?.origin ?? ChainActor(id: agent.id, kind: .agent)
        let act = delegation.map { ActorChain([ChainActor(id: agent.id, kind: .agent)] + $0.actors) }
        let claims = AccessTokenClaims(
            iss: issuer, sub: subject.id, kind: subject.kind.name, aud: request.audience, scp: scopes,
            exp: now + lifetime, iat: now, nbf: now, jti: UUID().uuidString.lowercased(), clientID: agent.id,
            blueprint: blueprint.name, act: act)
        let active = keys.activeKey
        let token = try await keys.keyCollection().sign(claims, kid: JWKIdentifier(string: active.keyID),
                                                        header: ["typ": "at+jwt"])
        return IssuedToken(accessToken: token, claims: claims, expiresIn: lifetime, exchanged: delegation != nil)
    }

    private func audit(_ result: TokenResult, call: TokenCall) -> Bool {
        let agent = result.agentID ?? "-"
        var details: [String: AttributeValue] = ["audience": .string(call.audience), "grant": .string(call.grant.name)]
        if let answer = result.answer {
            details["policies"] = .stringSet(answer.policies)
            details["policyset"] = .string(answer.policySet)
        }
        if let chain = result.request?.onBehalfOf, !chain.isEmpty { details["on_behalf_of"] = .stringSet(chain.map(\.id)) }
        let action: String
        switch result.outcome {
        case .issued(let token):
            action = "token.issued"
            details["jti"] = .string(token.claims.jti)
            details["scopes"] = .stringSet(token.claims.scp)
            details["expires_in"] = .int(token.expiresIn)
            details["sub"] = .string(token.claims.sub)
        case .refused(let error):
            action = "token.denied"
            details["error"] = .string(error.code)
            details["reason"] = .string(error.description)
        }
        return (try? store.appendAudit(actor: agent, action: action, target: call.audience, details: details)) != nil
    }
}

extension TokenCall.Grant {
    var name: String {
        switch self {
        case .clientCredentials: "client_credentials"
        case .federated: "jwt_bearer"
        case .tokenExchange: "token_exchange"
        }
    }
}

extension TokenService {
    /// Handles the parameters of one `op: token` socket line: decodes them
    /// (see `TokenCall.init(json:time:)`) and issues. A malformed request is
    /// answered `invalid_request` without consulting policy.
    public func issue(json object: [String: Any], time: Int64, decide: (Request) -> Answer) async -> TokenResult {
        do throws(TokenError) {
            return await issue(try TokenCall(json: object, time: time), decide: decide)
        } catch {
            return TokenResult(outcome: .refused(error))
        }
    }
}
