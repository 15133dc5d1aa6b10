import Foundation
import Identity
import Testing

@Suite struct CredentialTests {
    let key = CredentialMaterial.publicKey(jwk: #"{"kty":"EC"}"#, algorithm: "ES256")

    @Test func addListRotateRevoke() throws {
        let store = try TestClock().store()
        try store.seed()
        try store.addCredential(id: "k1", agentID: "agent-1", material: key, actor: "alice")
        try store.rotateCredential("k1", agentID: "agent-1", newID: "k2", material: key, actor: "alice")
        var credentials = try store.credentials(ofAgent: "agent-1")
        #expect(credentials.map(\.id) == ["k1", "k2"])
        #expect(credentials.map(\.state) == [.revoked, .active])
        try store.revokeCredential("k2", agentID: "agent-1", actor: "alice")
        credentials = try store.credentials(ofAgent: "agent-1")
        #expect(credentials.allSatisfy { $0.state == .revoked })
        #expect(throws: IdentityError.credentialRevoked("k2")) {
            try store.revokeCredential("k2", agentID: "agent-1", actor: "alice")
        }
    }

    @Test func credentialsBelongToOneAgent() throws {
        let store = try TestClock().store()
        try store.seed(agent: "a", blueprint: "one")
        try store.seed(agent: "b", blueprint: "two")
        try store.addCredential(id: "k1", agentID: "a", material: key, actor: "alice")
        #expect(throws: IdentityError.credentialExists("k1")) {
            try store.addCredential(id: "k1", agentID: "b", material: key, actor: "alice")
        }
        #expect(throws: IdentityError.credentialOfOtherAgent(credential: "k1", agent: "b")) {
            try store.revokeCredential("k1", agentID: "b", actor: "mallory")
        }
        #expect(throws: IdentityError.unknownAgent("ghost")) {
            try store.addCredential(id: "k9", agentID: "ghost", material: key, actor: "alice")
        }
    }

    @Test func federatedCredentialsAreFoundByIssuerAndSubject() throws {
        let store = try TestClock().store()
        try store.seed()
        let federated = CredentialMaterial.federated(issuer: "https://token.actions.example", subject: "repo:x",
                                                     jwks: #"{"keys":[]}"#)
        try store.addCredential(id: "f1", agentID: "agent-1", material: federated, actor: "alice")
        #expect(try store.federatedCredentials(issuer: "https://token.actions.example", subject: "repo:x").map(\.agentID)
            == ["agent-1"])
        #expect(try store.federatedCredentials(issuer: "https://token.actions.example", subject: "repo:y").isEmpty)
    }

    @Test func assertionIDsAreUsedOnce() throws {
        let store = try TestClock().store()
        #expect(try store.consumeAssertion(issuer: "a", jti: "j1", expires: 100, at: 50))
        #expect(try !store.consumeAssertion(issuer: "a", jti: "j1", expires: 100, at: 60))
        #expect(try store.consumeAssertion(issuer: "b", jti: "j1", expires: 100, at: 60))
        // Past its expiry the id is forgotten; the `exp` check refuses the assertion instead.
        #expect(try store.consumeAssertion(issuer: "a", jti: "j1", expires: 300, at: 200))
    }
}

@Suite struct ConcurrencyTests {
    @Test func concurrentReplaysHaveExactlyOneWinner() async throws {
        let path = "/tmp/agate-replay-\(UInt64.random(in: 0...UInt64.max)).db"
        defer { for suffix in ["", "-wal", "-shm"] { _ = unlink(path + suffix) } }
        let store = try IdentityStore(path: path)
        let wins = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<16 {
                group.addTask { (try? store.consumeAssertion(issuer: "a", jti: "same", expires: 100, at: 1)) == true }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(wins == 1)
    }
}
