import Foundation
import Identity
import JWTKit
import PolicyLanguage
import Testing
@testable import Tokens

/// RFC 8693 token exchange (on-behalf-of) and federated assertions.
@Suite struct ExchangeTests {
    /// A token this issuer (or `keys`) signed for `subject`, for `audience`.
    func subjectToken(_ fixture: Fixture, subject: String = "alice@contoso.com", kind: String = "user",
                      audience: String = "report-bot", act: [ChainActor] = [], issuer: String = Fixture.issuer,
                      keys: SigningKeyStore? = nil) async throws -> String {
        let now = fixture.clock.now
        let claims = AccessTokenClaims(iss: issuer, sub: subject, kind: kind, aud: audience, scp: [], exp: now + 600,
                                       iat: now, nbf: now, jti: UUID().uuidString, clientID: "front-door",
                                       blueprint: nil, act: act.isEmpty ? nil : ActorChain(act))
        return try await (keys ?? fixture.keys).keyCollection().sign(claims)
    }

    @Test func exchangeCarriesTheActChainAndDelegationSignals() async throws {
        let fixture = try await Fixture()
        let grant = TokenCall.Grant.tokenExchange(subjectToken: try await subjectToken(fixture),
                                                  actorAssertion: try await fixture.assertion())
        let result = await fixture.issue(fixture.call(grant))
        let token = try #require(result.token, "\(result.error?.description ?? "")")
        let claims = try await fixture.verify(token.accessToken)
        #expect(claims.sub == "alice@contoso.com")
        #expect(claims.kind == "user")
        #expect(claims.clientID == "report-bot")
        #expect(claims.act == ActorChain([ChainActor(id: "report-bot", kind: .agent)]))
        #expect(result.request?.subject.id == "report-bot")
        #expect(result.request?.onBehalfOf.map(\.id) == ["alice@contoso.com"])
        #expect(result.json.contains("urn:ietf:params:oauth:token-type:access_token"))
    }

    @Test func actClaimNestsMostRecentActorOutermost() async throws {
        let chain = ActorChain([ChainActor(id: "b", kind: .agent), ChainActor(id: "a", kind: .agent)])
        let json = JSON.encode(chain)
        #expect(json == #"{"act":{"kind":"agent","sub":"a"},"kind":"agent","sub":"b"}"#)
        #expect(try JSONDecoder().decode(ActorChain.self, from: Data(json.utf8)) == chain)
    }

    @Test func hostileActNestingIsBounded() throws {
        var json = #"{"sub":"x"}"#
        for _ in 0..<40 { json = #"{"sub":"x","act":"# + json + "}" }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ActorChain.self, from: Data(json.utf8)) }
    }

    @Test func delegationChainBeyondThePolicyLimit() async throws {
        let fixture = try await Fixture()
        try fixture.addAgent("planner-bot", key: try AgentPrivateKey.generate(.es256))
        // alice → planner-bot → report-bot: two hops, and the policy allows one.
        let subject = try await subjectToken(fixture, act: [ChainActor(id: "planner-bot", kind: .agent)])
        let grant = TokenCall.Grant.tokenExchange(subjectToken: subject, actorAssertion: try await fixture.assertion())
        let result = await fixture.issue(fixture.call(grant))
        expectRefused(result, "policy_denied", "access_denied")
        #expect(result.request?.onBehalfOf.map(\.id) == ["alice@contoso.com", "planner-bot"])
        #expect(result.json.contains("delegation chain longer than one hop"))
    }

    @Test func disablingADelegatorRevokesWhatItDelegated() async throws {
        let fixture = try await Fixture()
        try fixture.addAgent("planner-bot", key: try AgentPrivateKey.generate(.es256))
        // report-bot acts on a token alice gave planner-bot: an agent in the chain.
        let viaPlanner = try await subjectToken(fixture, act: [ChainActor(id: "planner-bot", kind: .agent)])
        // And on a token issued to planner-bot itself: an agent as the chain's origin.
        let fromPlanner = try await subjectToken(fixture, subject: "planner-bot", kind: "agent")
        func exchange(_ subject: String) async throws -> TokenResult {
            await fixture.issue(fixture.call(.tokenExchange(subjectToken: subject, actorAssertion: try await fixture.assertion())))
        }
        #expect(try await exchange(fromPlanner).token != nil)

        _ = try fixture.store.setAgentState("planner-bot", to: .disabled, actor: "alice")
        for subject in [viaPlanner, fromPlanner] {
            let result = try await exchange(subject)
            expectRefused(result, "delegation_revoked", "invalid_grant")
            #expect(result.json.contains("agent `planner-bot` is disabled"))
            #expect(result.answer == nil, "refused before any policy ran")
        }
        // A user in the chain has no record to check; report-bot itself is still fine.
        #expect(try await exchange(try await subjectToken(fixture)).token != nil)
    }

    @Test func aDeletedOrUnknownDelegatorRevokesToo() async throws {
        let fixture = try await Fixture()
        let subject = try await subjectToken(fixture, act: [ChainActor(id: "ghost-bot", kind: .agent)])
        let result = await fixture.issue(fixture.call(.tokenExchange(subjectToken: subject,
                                                                     actorAssertion: try await fixture.assertion())))
        expectRefused(result, "delegation_revoked", "invalid_grant")
        #expect(result.json.contains("unknown agent `ghost-bot`"))
    }

    @Test func subjectTokenFromAnotherIssuer() async throws {
        let fixture = try await Fixture()
        let foreignKeys = SigningKeyStore.ephemeral(now: fixture.clock.now)
        let subject = try await subjectToken(fixture, issuer: "https://evil.example", keys: foreignKeys)
        let grant = TokenCall.Grant.tokenExchange(subjectToken: subject, actorAssertion: try await fixture.assertion())
        let result = await fixture.issue(fixture.call(grant))
        expectRefused(result, "foreign_subject_token", "invalid_grant")
        #expect(result.json.contains("https://evil.example"))
    }

    @Test func subjectTokenClaimingThisIssuerButSignedElsewhere() async throws {
        let fixture = try await Fixture()
        let subject = try await subjectToken(fixture, keys: SigningKeyStore.ephemeral(now: fixture.clock.now))
        let grant = TokenCall.Grant.tokenExchange(subjectToken: subject, actorAssertion: try await fixture.assertion())
        expectRefused(await fixture.issue(fixture.call(grant)), "bad_subject_token", "invalid_grant")
    }

    @Test func subjectTokenForAnotherAgent() async throws {
        let fixture = try await Fixture()
        let subject = try await subjectToken(fixture, audience: "someone-else")
        let grant = TokenCall.Grant.tokenExchange(subjectToken: subject, actorAssertion: try await fixture.assertion())
        expectRefused(await fixture.issue(fixture.call(grant)), "subject_token_not_for_actor", "invalid_grant")
    }

    @Test func expiredSubjectToken() async throws {
        let fixture = try await Fixture()
        let subject = try await subjectToken(fixture)
        fixture.clock.advance(3600)
        let grant = TokenCall.Grant.tokenExchange(subjectToken: subject, actorAssertion: try await fixture.assertion())
        expectRefused(await fixture.issue(fixture.call(grant)), "subject_token_expired", "invalid_grant")
    }

    @Test func federatedAssertionMapsToItsAgent() async throws {
        let fixture = try await Fixture()
        let external = try AgentPrivateKey.generate(.es256)
        let issuer = "https://token.actions.example", subject = "repo:contoso/reports:ref:refs/heads/main"
        try fixture.store.addCredential(
            id: "fed-1", agentID: "report-bot",
            material: .federated(issuer: issuer, subject: subject, jwks: #"{"keys":[\#(external.publicKey.jwk)]}"#),
            actor: "alice")
        let now = fixture.clock.now
        let token = try await external.sign(AssertionClaims(iss: issuer, sub: subject, aud: Fixture.issuer,
                                                            exp: now + 600, iat: now, jti: "gh-1"))
        let result = await fixture.issue(fixture.call(.federated(assertion: token)))
        #expect(result.token?.claims.sub == "report-bot", "\(result.error?.description ?? "")")

        let other = try await external.sign(AssertionClaims(iss: issuer, sub: "repo:evil/fork", aud: Fixture.issuer,
                                                            exp: now + 600, jti: "gh-2"))
        expectRefused(await fixture.issue(fixture.call(.federated(assertion: other))),
                      "unknown_federated_subject", "invalid_client")

        let forged = try await AgentPrivateKey.generate(.es256).sign(
            AssertionClaims(iss: issuer, sub: subject, aud: Fixture.issuer, exp: now + 600, jti: "gh-3"))
        expectRefused(await fixture.issue(fixture.call(.federated(assertion: forged))), "bad_signature", "invalid_client")
    }

    @Test func callDecodesFromTheSocketForm() throws {
        let object: [String: Any] = [
            "grant_type": TokenCall.tokenExchangeGrant, "subject_token": "s", "actor_token": "a",
            "audience": "https://x", "scope": "A B", "location": ["ip": "10.0.0.1", "country": "GB"],
        ]
        let call = try TokenCall(json: object, time: 7)
        #expect(call.grant == .tokenExchange(subjectToken: "s", actorAssertion: "a"))
        #expect(call.scopes == ["A", "B"])
        #expect(call.country == "GB")
        #expect(throws: TokenError.self) { try TokenCall(json: ["grant_type": "password"], time: 7) }
        #expect(throws: TokenError.self) {
            try TokenCall(json: ["grant_type": "client_credentials", "client_assertion": "x", "audience": "a"], time: 7)
        }
    }
}
