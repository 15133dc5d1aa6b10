import Identity
import JWTKit

/// Checks that a caller is the agent it says it is: an RFC 7523 client
/// assertion signed with a key registered for the agent, or a token from a
/// trusted external issuer bound to the agent by a federated credential.
struct AssertionVerifier: Sendable {
    /// Clock skew tolerated on `exp`, `nbf` and `iat`.
    static let leeway: Int64 = 30
    /// How far in the future a client assertion may expire (RFC 7523 asks
    /// for a short-lived assertion; five minutes is the common ceiling).
    static let clientAssertionLifetime: Int64 = 300
    /// Federated tokens are minted by other systems, often for an hour.
    static let federatedLifetime: Int64 = 3600

    let store: IdentityStore
    let issuer: String

    /// Verifies a client assertion and returns the agent id it proves.
    func verifyClientAssertion(_ token: String, at now: Int64) async throws -> String {
        let jws = try CompactJWS(token)
        let claims = try jws.claims(AssertionClaims.self)
        guard let algorithm = AssertionAlgorithm(rawValue: jws.algorithm) else {
            throw TokenError.algorithmNotAllowed(jws.algorithm)
        }
        guard claims.iss == claims.sub else { throw TokenError.issuerSubjectMismatch(iss: claims.iss, sub: claims.sub) }
        let agentID = claims.iss
        if case .denied(.unknownAgent) = store.standing(ofAgent: agentID, at: now) {
            throw TokenError.subjectDenied(code: "unknown_agent", reason: DenialReason.unknownAgent(agentID).description)
        }
        let key = try registeredKey(agentID: agentID, keyID: jws.keyID, algorithm: algorithm)
        try await verifySignature(token, with: key.keyCollection())
        try checkTimes(claims, now: now, maximumLifetime: Self.clientAssertionLifetime)
        try checkAudience(claims.aud)
        try consume(claims, replayIssuer: agentID, now: now)
        return agentID
    }

    /// Verifies a federated token and returns the agent it is bound to.
    func verifyFederated(_ token: String, at now: Int64) async throws -> String {
        let jws = try CompactJWS(token)
        let claims = try jws.claims(AssertionClaims.self)
        guard ["ES256", "EdDSA", "RS256"].contains(jws.algorithm) else {
            throw TokenError.algorithmNotAllowed(jws.algorithm)
        }
        let trusts = (try? store.federatedCredentials(issuer: claims.iss, subject: claims.sub)) ?? []
        guard let credential = trusts.first, case .federated(_, _, let jwks) = credential.material else {
            throw TokenError.unknownFederatedSubject(issuer: claims.iss, subject: claims.sub)
        }
        let keys = JWTKeyCollection()
        do {
            try await keys.add(jwksJSON: jwks)
        } catch {
            throw TokenError.serverError("the JWKS registered for issuer `\(claims.iss)` cannot be used")
        }
        try await verifySignature(token, with: keys)
        try checkTimes(claims, now: now, maximumLifetime: Self.federatedLifetime)
        try checkAudience(claims.aud)
        try consume(claims, replayIssuer: claims.iss, now: now)
        return credential.agentID
    }

    private func registeredKey(agentID: String, keyID: String?, algorithm: AssertionAlgorithm) throws
        -> AgentPublicKey
    {
        let credentials = ((try? store.credentials(ofAgent: agentID)) ?? []).filter { $0.state == .active }
        let keys: [AgentPublicKey] = credentials.compactMap {
            guard case .publicKey(let jwk, _) = $0.material else { return nil }
            return try? AgentPublicKey(jwk: jwk)
        }
        let candidates = keys.filter { keyID == nil || $0.keyID == keyID }
        guard let key = candidates.first(where: { $0.algorithm == algorithm }) else {
            if let other = candidates.first {
                throw TokenError.algorithmMismatch(header: algorithm.rawValue, key: other.algorithm.rawValue)
            }
            throw TokenError.unknownKey(agent: agentID, keyID: keyID)
        }
        return key
    }

    private func verifySignature(_ token: String, with keys: JWTKeyCollection) async throws {
        do {
            _ = try await keys.verify(token, as: AssertionClaims.self)
        } catch {
            throw TokenError.badSignature
        }
    }

    private func checkTimes(_ claims: AssertionClaims, now: Int64, maximumLifetime: Int64) throws {
        guard claims.exp + Self.leeway > now else { throw TokenError.assertionExpired(exp: claims.exp, now: now) }
        guard claims.exp - now <= maximumLifetime + Self.leeway else {
            throw TokenError.assertionTooLong(seconds: claims.exp - now, limit: maximumLifetime)
        }
        if let nbf = claims.nbf, nbf > now + Self.leeway { throw TokenError.assertionNotYetValid(nbf) }
        if let iat = claims.iat, iat > now + Self.leeway { throw TokenError.assertionNotYetValid(iat) }
    }

    private func checkAudience(_ audience: AudienceList) throws {
        guard audience.values.contains(issuer) else { throw TokenError.wrongAudience(audience.values, expected: issuer) }
    }

    /// Replay defence: each `jti` is accepted once per issuer while it could
    /// still pass the `exp` check.
    private func consume(_ claims: AssertionClaims, replayIssuer: String, now: Int64) throws {
        guard let jti = claims.jti, !jti.isEmpty else { throw TokenError.missingJTI }
        let fresh: Bool
        do {
            fresh = try store.consumeAssertion(issuer: replayIssuer, jti: jti, expires: claims.exp + Self.leeway, at: now)
        } catch {
            throw TokenError.serverError("cannot record the assertion id: \(error)")
        }
        guard fresh else { throw TokenError.replayedAssertion(jti) }
    }
}
