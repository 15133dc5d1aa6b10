import Crypto
import Foundation
import Identity
import Testing
@testable import Tokens

/// Each way a token request must fail, each with its own clear error.
@Suite struct RejectionTests {
    @Test func expiredAssertion() async throws {
        let fixture = try await Fixture()
        let assertion = try await fixture.assertion(lifetime: 60)
        fixture.clock.advance(60 + AssertionVerifier.leeway)
        expectRefused(await fixture.issue(assertion: assertion), "assertion_expired", "invalid_client")
    }

    @Test func assertionValidForTooLong() async throws {
        let fixture = try await Fixture()
        expectRefused(await fixture.issue(assertion: try await fixture.assertion(lifetime: 3600)),
                      "assertion_lifetime_too_long", "invalid_client")
    }

    @Test func assertionSignedByAnotherKey() async throws {
        let fixture = try await Fixture()
        // Same kid as the registered key, different private key: only the signature can tell.
        let stranger = try AgentPrivateKey.generate(.es256)
        let forged = try AgentPrivateKey(jwk: stranger.jwk.replacingOccurrences(
            of: stranger.publicKey.keyID, with: fixture.agentKey.publicKey.keyID))
        let assertion = try await fixture.assertion(key: forged)
        expectRefused(await fixture.issue(assertion: assertion), "bad_signature", "invalid_client")
    }

    @Test func assertionFromUnregisteredKeyID() async throws {
        let fixture = try await Fixture()
        let assertion = try await fixture.assertion(key: try AgentPrivateKey.generate(.es256))
        expectRefused(await fixture.issue(assertion: assertion), "unknown_key", "invalid_client")
    }

    @Test func algNone() async throws {
        let fixture = try await Fixture()
        let token = Forge.token(header: ["alg": "none", "typ": "JWT"], claims: fixture.claims(), signature: "")
        let result = await fixture.issue(assertion: token)
        expectRefused(result, "algorithm_not_allowed", "invalid_client")
        #expect(result.error?.description.contains("`none`") == true)
    }

    @Test func hs256WithThePublicKeyAsSecret() async throws {
        let fixture = try await Fixture()
        let header = ["alg": "HS256", "typ": "JWT", "kid": fixture.agentKey.publicKey.keyID]
        let unsigned = Forge.token(header: header, claims: fixture.claims(), signature: "")
        let input = String(unsigned.dropLast())
        // The classic confusion attack: HMAC keyed with the (public) verification key.
        let secret = SymmetricKey(data: Data(fixture.agentKey.publicKey.jwk.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: secret)
        let result = await fixture.issue(assertion: input + "." + Base64URL.encode(Data(mac)))
        expectRefused(result, "algorithm_not_allowed", "invalid_client")
        #expect(result.error?.description.contains("`HS256`") == true)
    }

    @Test func wrongAudience() async throws {
        let fixture = try await Fixture()
        let assertion = try await fixture.agentKey.clientAssertion(agentID: "report-bot",
                                                                   audience: "https://other-issuer.example",
                                                                   now: fixture.clock.now)
        expectRefused(await fixture.issue(assertion: assertion), "wrong_audience", "invalid_client")
    }

    @Test func replayedJTI() async throws {
        let fixture = try await Fixture()
        let assertion = try await fixture.assertion(jti: "once")
        #expect(await fixture.issue(assertion: assertion).token != nil)
        expectRefused(await fixture.issue(assertion: assertion), "replayed_assertion", "invalid_client")
        // A new assertion with the same jti is a replay too.
        expectRefused(await fixture.issue(assertion: try await fixture.assertion(jti: "once")),
                      "replayed_assertion", "invalid_client")
    }

    @Test func missingJTI() async throws {
        let fixture = try await Fixture()
        let assertion = try await fixture.agentKey.sign(AssertionClaims(
            iss: "report-bot", sub: "report-bot", aud: Fixture.issuer, exp: fixture.clock.now + 60))
        expectRefused(await fixture.issue(assertion: assertion), "missing_jti", "invalid_client")
    }

    @Test func issuerAndSubjectMustMatch() async throws {
        let fixture = try await Fixture()
        let assertion = try await fixture.agentKey.sign(AssertionClaims(
            iss: "report-bot", sub: "admin-bot", aud: Fixture.issuer, exp: fixture.clock.now + 60, jti: "j"))
        expectRefused(await fixture.issue(assertion: assertion), "issuer_subject_mismatch", "invalid_client")
    }

    @Test func unknownAgent() async throws {
        let fixture = try await Fixture()
        let result = await fixture.issue(assertion: try await fixture.assertion(agent: "ghost-bot"))
        expectRefused(result, "unknown_agent", "access_denied")
        #expect(result.answer == nil, "no policy runs for an unknown agent")
    }

    @Test func disabledAgent() async throws {
        let fixture = try await Fixture()
        try fixture.store.setAgentState("report-bot", to: .disabled, actor: "alice")
        let result = await fixture.issue(assertion: try await fixture.assertion())
        expectRefused(result, "agent_disabled", "access_denied")
        #expect(result.json.contains("agent `report-bot` is disabled"))
        #expect(result.answer == nil)
    }

    @Test func agentOfDisabledBlueprint() async throws {
        let fixture = try await Fixture()
        try fixture.store.setBlueprintState("finance-reporting", to: .disabled, actor: "alice")
        let result = await fixture.issue(assertion: try await fixture.assertion())
        expectRefused(result, "blueprint_disabled", "access_denied")
        #expect(result.answer == nil)
    }

    @Test func expiredAgent() async throws {
        let fixture = try await Fixture()
        try fixture.store.updateAgent("report-bot", AgentChange(expires: .some(fixture.clock.now + 10)), actor: "alice")
        fixture.clock.advance(10)
        expectRefused(await fixture.issue(assertion: try await fixture.assertion()), "agent_expired", "access_denied")
    }

    @Test func revokedKey() async throws {
        let fixture = try await Fixture()
        try fixture.store.revokeCredential(fixture.agentKey.publicKey.keyID, agentID: "report-bot", actor: "alice")
        expectRefused(await fixture.issue(assertion: try await fixture.assertion()), "unknown_key", "invalid_client")
    }

    @Test(arguments: ["", "a.b", "not a jwt at all", "....", "e30.e30.", "oversized"])
    func garbageAssertions(text: String) async throws {
        let fixture = try await Fixture()
        let assertion = text == "oversized" ? String(repeating: "A", count: 20_000) : text
        expectRefused(await fixture.issue(assertion: assertion), "malformed_assertion", "invalid_client")
    }

    @Test func badLocation() async throws {
        let fixture = try await Fixture()
        var call = fixture.call(.clientCredentials(assertion: try await fixture.assertion()))
        call.ip = "10.0.0.300"
        expectRefused(await fixture.issue(call), "invalid_request", "invalid_request")
    }

    @Test func refusalsAreAudited() async throws {
        let fixture = try await Fixture()
        _ = await fixture.issue(assertion: "garbage")
        let event = try #require(try fixture.store.auditEvents().last)
        #expect(event.action == "token.denied")
        #expect(event.details.contains("malformed_assertion"))
    }
}

/// Hand-built tokens for attacks jwt-kit refuses to produce.
enum Forge {
    static func token(header: [String: String], claims: [String: Any], signature: String) -> String {
        let headerData = try? JSONSerialization.data(withJSONObject: header, options: .sortedKeys)
        let claimsData = try? JSONSerialization.data(withJSONObject: claims, options: .sortedKeys)
        return Base64URL.encode(headerData ?? Data()) + "." + Base64URL.encode(claimsData ?? Data()) + "." + signature
    }
}

extension Fixture {
    func claims(agent: String = "report-bot") -> [String: Any] {
        ["iss": agent, "sub": agent, "aud": Fixture.issuer, "exp": clock.now + 60, "jti": UUID().uuidString]
    }
}
