import Foundation
import Identity
import Testing

/// Standing is cached between requests, yet every change is seen by the very
/// next lookup (a change through the same store: `StandingTests`).
@Suite struct RecordCacheTests {
    @Test func anUnknownAgentRegisteredLaterIsSeenAtOnce() throws {
        let clock = TestClock()
        let store = try clock.store()
        try store.seed()
        #expect(store.standing(ofAgent: "agent-2", at: clock.now) == .denied(.unknownAgent("agent-2")))
        try store.createAgent(Agent(id: "agent-2", displayName: "Second", blueprint: "finance-reporting",
                                    sponsor: "alice@contoso.com"), actor: "alice")
        #expect(isActive(store.standing(ofAgent: "agent-2", at: clock.now)))
    }

    /// The server and `agate identity` hold the same file open in two
    /// processes; two stores on one file stand in for them here.
    @Test func aChangeFromAnotherConnectionIsSeenAtOnce() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("agate-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("identities.db").path
        let clock = TestClock()
        let server = try IdentityStore(path: path, clock: { clock.now })
        try server.seed()
        let cli = try IdentityStore(path: path, clock: { clock.now })
        for _ in 0..<3 {
            #expect(isActive(server.standing(ofAgent: "agent-1", at: clock.now)))
            try cli.setAgentState("agent-1", to: .disabled, actor: "bob")
            #expect(server.standing(ofAgent: "agent-1", at: clock.now) == .denied(.agentDisabled("agent-1")))
            try cli.setAgentState("agent-1", to: .active, actor: "bob")
        }
        try cli.setBlueprintState("finance-reporting", to: .disabled, actor: "bob")
        #expect(server.standing(ofAgent: "agent-1", at: clock.now)
            == .denied(.blueprintDisabled(agent: "agent-1", blueprint: "finance-reporting")))
    }

    private func isActive(_ standing: AgentStanding) -> Bool {
        if case .active = standing { return true }
        return false
    }
}
