import Foundation
import Identity
import JWTKit
import PolicyLanguage
import PolicyVM
import Synchronization
import Testing
@testable import Tokens

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let seconds: Mutex<Int64>
    init(_ start: Int64 = 1_800_000_000) { seconds = Mutex(start) }
    var now: Int64 { seconds.withLock { $0 } }
    func advance(_ delta: Int64) { seconds.withLock { $0 += delta } }
}

/// The policies token tests run against: agents of `finance-reporting` may
/// read finance data for 15 minutes; delegation is limited to one hop.
let tokenPolicies = """
    policyset "token-tests"
    default deny

    policy finance_reads {
      target subject.blueprint == "finance-reporting"
      target audience == "https://finance.contoso.com"
      allow {
        token_lifetime 15m
        scopes ["Reports.Read", "Invoices.Read"]
      }
    }

    policy one_hop_only {
      when delegation.depth > 1
      deny "delegation chain longer than one hop"
    }
    """

/// A store with one blueprint and agent (with a registered ES256 key), a
/// signing key set, a token service and a real compiled policy set.
struct Fixture {
    static let issuer = "https://agate.test"
    static let audience = "https://finance.contoso.com"

    let clock = TestClock()
    let store: IdentityStore
    let keys: SigningKeyStore
    let service: TokenService
    let agentKey: AgentPrivateKey
    let policies: PolicyDecider

    init(blueprintLifetime: Int64 = 3600) async throws {
        let clock = self.clock
        store = try IdentityStore.inMemory(clock: { clock.now })
        keys = SigningKeyStore.ephemeral(now: clock.now)
        service = TokenService(issuer: Self.issuer, store: store, keys: keys)
        agentKey = try AgentPrivateKey.generate(.es256)
        let path = NSTemporaryDirectory() + "agate-token-policies-\(UInt64.random(in: 0...UInt64.max)).agate"
        try tokenPolicies.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        policies = try PolicyDecider.load(paths: [path])
        try store.createBlueprint(Blueprint(name: "finance-reporting", defaultScopes: ["Reports.Read"],
                                            maxTokenLifetime: blueprintLifetime), actor: "alice")
        try addAgent("report-bot", key: agentKey)
    }

    func addAgent(_ id: String, key: AgentPrivateKey, blueprint: String = "finance-reporting") throws {
        if try store.blueprint(named: blueprint) == nil {
            try store.createBlueprint(Blueprint(name: blueprint), actor: "alice")
        }
        try store.createAgent(Agent(id: id, displayName: id, blueprint: blueprint, sponsor: "alice@contoso.com",
                                    groups: ["finance"]), actor: "alice")
        let publicKey = key.publicKey
        try store.addCredential(id: publicKey.keyID, agentID: id,
                                material: .publicKey(jwk: publicKey.jwk, algorithm: publicKey.algorithm.rawValue),
                                actor: "alice")
    }

    func assertion(agent: String = "report-bot", key: AgentPrivateKey? = nil, lifetime: Int64 = 120,
                   jti: String = UUID().uuidString) async throws -> String {
        try await (key ?? agentKey).clientAssertion(agentID: agent, audience: Self.issuer, now: clock.now,
                                                    lifetime: lifetime, jti: jti)
    }

    func call(_ grant: TokenCall.Grant, scopes: [String] = ["Reports.Read", "Reports.Write"]) -> TokenCall {
        TokenCall(grant: grant, audience: Self.audience, scopes: scopes, ip: "10.1.2.3", country: "GB",
                  time: clock.now)
    }

    func issue(_ call: TokenCall) async -> TokenResult {
        await service.issue(call, decide: policies.decide)
    }

    func issue(assertion: String, scopes: [String] = ["Reports.Read", "Reports.Write"]) async -> TokenResult {
        await issue(call(.clientCredentials(assertion: assertion), scopes: scopes))
    }

    /// Verifies an access token the way a resource server would: with the
    /// published JWKS only.
    func verify(_ token: String) async throws -> AccessTokenClaims {
        let verifier = JWTKeyCollection()
        try await verifier.add(jwksJSON: keys.jwks())
        return try await verifier.verify(token, as: AccessTokenClaims.self)
    }
}

/// Asserts a token request was refused with this error code and OAuth error.
func expectRefused(_ result: TokenResult, _ code: String, _ oauthError: String,
                   sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.token == nil, sourceLocation: sourceLocation)
    #expect(result.error?.code == code, "\(result.error?.description ?? "issued")", sourceLocation: sourceLocation)
    #expect(result.error?.oauthError == oauthError, sourceLocation: sourceLocation)
    #expect(result.json.contains(#""error":"\#(oauthError)""#), sourceLocation: sourceLocation)
}

