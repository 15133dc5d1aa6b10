import Foundation
import Identity
import JWTKit
import PolicyVM
import Testing
@testable import Tokens

/// Tokens Agate issues: they verify with the JWKS, and their claims,
/// lifetime and scopes follow the policy controls.
@Suite struct IssuanceTests {
    @Test func issuedTokenVerifiesWithJWKSAndFollowsControls() async throws {
        let fixture = try await Fixture()
        let result = await fixture.issue(assertion: try await fixture.assertion())
        let token = try #require(result.token, "\(result.error?.description ?? "")")
        let claims = try await fixture.verify(token.accessToken)
        #expect(claims.iss == Fixture.issuer)
        #expect(claims.sub == "report-bot")
        #expect(claims.kind == "agent")
        #expect(claims.clientID == "report-bot")
        #expect(claims.aud.values == [Fixture.audience])
        #expect(claims.blueprint == "finance-reporting")
        // Requested Reports.Read and Reports.Write; the policy's ceiling keeps only Read.
        #expect(claims.scp == ["Reports.Read"])
        #expect(claims.iat == fixture.clock.now)
        #expect(claims.nbf == fixture.clock.now)
        #expect(claims.exp - claims.iat == 900)
        #expect(token.expiresIn == 900)
        #expect(claims.act == nil)
        #expect(!claims.jti.isEmpty)
        #expect(result.request?.subject.blueprint == "finance-reporting")
        #expect(result.answer?.policies.contains("finance_reads") == true)
    }

    @Test func headerNamesTheActiveKey() async throws {
        let fixture = try await Fixture()
        let token = try #require(await fixture.issue(assertion: try await fixture.assertion()).token)
        let header = try #require(token.accessToken.split(separator: ".").first)
        let json = try #require(Base64URL.decode(String(header)))
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["alg"] as? String == "ES256")
        #expect(object["kid"] as? String == fixture.keys.activeKey.keyID)
        #expect(object["typ"] as? String == "at+jwt")
    }

    @Test func blueprintMaximumCapsThePolicyLifetime() async throws {
        let fixture = try await Fixture(blueprintLifetime: 300)
        let token = try #require(await fixture.issue(assertion: try await fixture.assertion()).token)
        #expect(token.expiresIn == 300)
        #expect(try await fixture.verify(token.accessToken).exp == fixture.clock.now + 300)
    }

    @Test func blueprintDefaultScopesApplyWhenNoneAreAsked() async throws {
        let fixture = try await Fixture()
        let token = try #require(await fixture.issue(assertion: try await fixture.assertion(), scopes: []).token)
        #expect(token.claims.scp == ["Reports.Read"])
    }

    @Test func successAnswerIsAnOAuthTokenResponse() async throws {
        let fixture = try await Fixture()
        let result = await fixture.issue(assertion: try await fixture.assertion())
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.json.utf8)) as? [String: Any])
        #expect(object["token_type"] as? String == "Bearer")
        #expect(object["expires_in"] as? Int == 900)
        #expect(object["scope"] as? String == "Reports.Read")
        #expect(object["access_token"] as? String == result.token?.accessToken)
    }

    @Test func policyDenialIsAccessDeniedWithReasons() async throws {
        let fixture = try await Fixture()
        var call = fixture.call(.clientCredentials(assertion: try await fixture.assertion()))
        call.audience = "https://hr.contoso.com"
        let result = await fixture.issue(call)
        expectRefused(result, "policy_denied", "access_denied")
        #expect(result.json.contains(#""reasons":["#))
        #expect(result.answer != nil)
    }

    @Test func everyIssuanceAndDenialIsAudited() async throws {
        let fixture = try await Fixture()
        _ = await fixture.issue(assertion: try await fixture.assertion())
        var call = fixture.call(.clientCredentials(assertion: try await fixture.assertion()))
        call.audience = "https://hr.contoso.com"
        _ = await fixture.issue(call)
        let events = try fixture.store.auditEvents().filter { $0.action.hasPrefix("token.") }
        #expect(events.map(\.action) == ["token.issued", "token.denied"])
        #expect(events.map(\.actor) == ["report-bot", "report-bot"])
        #expect(events[0].target == Fixture.audience)
        #expect(events[0].details.contains(#""scopes":["Reports.Read"]"#))
        #expect(events[1].details.contains("policy_denied"))
    }

    @Test func eddsaAgentsAreAccepted() async throws {
        let fixture = try await Fixture()
        let key = try AgentPrivateKey.generate(.eddsa)
        try fixture.addAgent("ed-bot", key: key)
        let result = await fixture.issue(assertion: try await fixture.assertion(agent: "ed-bot", key: key))
        #expect(result.token?.claims.sub == "ed-bot", "\(result.error?.description ?? "")")
    }

    @Test func resolveSubjectTakesEverythingFromTheRecord() async throws {
        let fixture = try await Fixture()
        guard case .active(let subject) = fixture.store.resolveSubject(id: "report-bot", at: fixture.clock.now) else {
            Issue.record("expected an active subject")
            return
        }
        #expect(subject.kind == .agent)
        #expect(subject.blueprint == "finance-reporting")
        #expect(subject.sponsor == "alice@contoso.com")
        #expect(subject.groups == ["finance"])
        #expect(fixture.store.resolveSubject(id: "ghost", at: 0) == .denied(.unknownAgent("ghost")))
    }
}

/// What a policy's `require` control does to token issuance.
@Suite struct RequirementTests {
    @Test func requirementsWithholdTheToken() async throws {
        let fixture = try await Fixture()
        let answer = Answer(decision: .allow, policies: ["needs_approval"],
                            controls: GrantedControls(tokenLifetime: 60, scopes: ["Reports.Read"],
                                                      require: ["human_approval"]),
                            policySet: "sha256:0")
        let result = await fixture.service.issue(
            fixture.call(.clientCredentials(assertion: try await fixture.assertion()))) { _ in answer }
        expectRefused(result, "requirements_unmet", "access_denied")
        #expect(result.json.contains("`human_approval`"))
    }
}

/// The socket form of a token request, as the decision server passes it on.
@Suite struct SocketFormTests {
    @Test func socketParametersIssueAToken() async throws {
        let fixture = try await Fixture()
        let object: [String: Any] = [
            "grant_type": "client_credentials", "client_assertion_type": TokenCall.jwtBearerAssertionType,
            "client_assertion": try await fixture.assertion(), "audience": Fixture.audience,
            "scope": "Reports.Read Invoices.Read", "location": ["ip": "2001:db8::1", "country": "IE"],
        ]
        let result = await fixture.service.issue(json: object, time: fixture.clock.now,
                                                 decide: fixture.policies.decide)
        #expect(result.token?.claims.scp == ["Reports.Read", "Invoices.Read"])
        #expect(result.request?.country == "IE")
    }

    @Test func malformedSocketRequestIsInvalidRequest() async throws {
        let fixture = try await Fixture()
        let result = await fixture.service.issue(json: ["grant_type": "client_credentials"], time: 0) { _ in
            Issue.record("policy must not run for a malformed request")
            return Answer(decision: .deny, policySet: "")
        }
        expectRefused(result, "invalid_request", "invalid_request")
        #expect(result.json.contains("`client_assertion`"))
    }
}
