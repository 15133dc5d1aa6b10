import Foundation
import GRDB
import Identity
import Testing

@Suite struct AuditTests {
    @Test func everyChangeIsLoggedWithActorAndTime() throws {
        let clock = TestClock()
        let store = try clock.store()
        try store.seed()
        clock.advance(10)
        try store.addCredential(id: "k1", agentID: "agent-1",
                                material: .publicKey(jwk: "{}", algorithm: "ES256"), actor: "bob")
        try store.updateAgent("agent-1", AgentChange(groups: []), actor: "bob")
        try store.setAgentState("agent-1", to: .disabled, actor: "carol")
        try store.setBlueprintState("finance-reporting", to: .disabled, actor: "carol")
        try store.revokeCredential("k1", agentID: "agent-1", actor: "bob")
        let events = try store.auditEvents()
        #expect(events.map(\.action) == ["blueprint.created", "agent.created", "credential.added", "agent.changed",
                                         "agent.disabled", "blueprint.disabled", "credential.revoked"])
        #expect(events.map(\.actor) == ["alice", "alice", "bob", "bob", "carol", "carol", "bob"])
        #expect(events[2].time == clock.now)
        #expect(events[5].details.contains(#""agents_affected":1"#))
        #expect(try store.auditEvents(target: "finance-reporting").count == 2)
        #expect(try store.auditEvents(limit: 1).map(\.action) == ["credential.revoked"])
    }

    @Test func refusedChangeLeavesNoEvent() throws {
        let store = try TestClock().store()
        try store.seed()
        let before = try store.auditEvents().count
        _ = try? store.createAgent(Agent(id: "agent-1", displayName: "x", blueprint: "finance-reporting", sponsor: "b"),
                                   actor: "mallory")
        #expect(try store.auditEvents().count == before)
    }

    @Test func sqliteItselfRefusesToRewriteTheLog() throws {
        let path = "/tmp/agate-audit-\(UInt64.random(in: 0...UInt64.max)).db"
        defer { for suffix in ["", "-wal", "-shm"] { _ = unlink(path + suffix) } }
        try IdentityStore(path: path).seed()
        // Another writer of the same file, bypassing the store's API.
        let raw = try DatabaseQueue(path: path)
        #expect(throws: DatabaseError.self) { try raw.write { try $0.execute(sql: "UPDATE audit_events SET actor = 'x'") } }
        #expect(throws: DatabaseError.self) { try raw.write { try $0.execute(sql: "DELETE FROM audit_events") } }
        let count = try raw.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM audit_events") }
        #expect(count == 2)
    }
}
