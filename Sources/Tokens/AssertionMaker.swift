import Foundation

extension AgentPrivateKey {
    /// Signs an RFC 7523 client assertion for `agentID` (`iss` = `sub` =
    /// agent id, `aud` = the issuer, a fresh `jti`, expiring `lifetime`
    /// seconds after `now`): what an agent sends to prove who it is.
    public func clientAssertion(agentID: String, audience: String, now: Int64, lifetime: Int64 = 120,
                                jti: String = UUID().uuidString.lowercased()) async throws -> String
    {
        try await sign(AssertionClaims(iss: agentID, sub: agentID, aud: audience, exp: now + lifetime, iat: now,
                                       jti: jti))
    }
}
