import Foundation
import Identity
import Testing

@Suite struct RecordTests {
    @Test func blueprintRoundTrips() throws {
        let clock = TestClock()
        let store = try clock.store()
        try store.createBlueprint(Blueprint(name: "finance-reporting", description: "Reads reports",
                                            defaultScopes: ["Reports.Read", "Invoices.Read"], maxTokenLifetime: 900),
                                  actor: "alice")
        let stored = try #require(try store.blueprint(named: "finance-reporting"))
        #expect(stored.defaultScopes == ["Reports.Read", "Invoices.Read"])
        #expect(stored.maxTokenLifetime == 900)
        #expect(stored.state == .active)
        #expect(stored.created == clock.now)
        #expect(try store.blueprints().map(\.name) == ["finance-reporting"])
    }

    @Test func duplicateBlueprintIsRefused() throws {
        let store = try TestClock().store()
        try store.createBlueprint(Blueprint(name: "b"), actor: "alice")
        #expect(throws: IdentityError.blueprintExists("b")) { try store.createBlueprint(Blueprint(name: "b"), actor: "alice") }
    }

    @Test(arguments: [0, -5, 100_000] as [Int64])
    func blueprintLifetimeIsBounded(lifetime: Int64) throws {
        let store = try TestClock().store()
        #expect(throws: IdentityError.self) {
            try store.createBlueprint(Blueprint(name: "b", maxTokenLifetime: lifetime), actor: "alice")
        }
    }

    @Test func agentRoundTripsWithGroupsAndAttributes() throws {
        let store = try TestClock().store()
        try store.seed()
        let agent = try #require(try store.agent(id: "agent-1"))
        #expect(agent.blueprint == "finance-reporting")
        #expect(agent.sponsor == "alice@contoso.com")
        #expect(agent.groups == ["finance"])
        #expect(agent.attributes == ["tier": .int(2)])
        #expect(agent.state == .active)
    }

    @Test func agentNeedsSponsorAndKnownBlueprint() throws {
        let store = try TestClock().store()
        try store.seed()
        #expect(throws: IdentityError.self) {
            try store.createAgent(Agent(id: "a2", displayName: "x", blueprint: "finance-reporting", sponsor: ""),
                                  actor: "alice")
        }
        #expect(throws: IdentityError.unknownBlueprint("nope")) {
            try store.createAgent(Agent(id: "a2", displayName: "x", blueprint: "nope", sponsor: "bob"), actor: "alice")
        }
        #expect(throws: IdentityError.agentExists("agent-1")) {
            try store.createAgent(Agent(id: "agent-1", displayName: "x", blueprint: "finance-reporting", sponsor: "bob"),
                                  actor: "alice")
        }
    }

    @Test(arguments: ["", "has space", "tab\tid", String(repeating: "x", count: 300)])
    func hostileIdsAreRefused(id: String) throws {
        let store = try TestClock().store()
        try store.seed()
        #expect(throws: IdentityError.self) {
            try store.createAgent(Agent(id: id, displayName: "x", blueprint: "finance-reporting", sponsor: "bob"),
                                  actor: "alice")
        }
    }

    @Test func updateChangesOnlyWhatIsNamed() throws {
        let store = try TestClock().store()
        try store.seed()
        let changed = try store.updateAgent("agent-1", AgentChange(groups: ["finance", "eu"], expires: .some(5)),
                                            actor: "bob")
        #expect(changed.groups == ["finance", "eu"])
        #expect(changed.expires == 5)
        #expect(changed.sponsor == "alice@contoso.com")
        #expect(try store.agent(id: "agent-1") == changed)
    }

    @Test func listsAgentsByBlueprint() throws {
        let store = try TestClock().store()
        try store.seed(agent: "a", blueprint: "one")
        try store.seed(agent: "b", blueprint: "two")
        #expect(try store.agents().map(\.id) == ["a", "b"])
        #expect(try store.agents(blueprint: "two").map(\.id) == ["b"])
    }

    @Test func fileStoreKeepsRecordsAcrossOpens() throws {
        let path = "/tmp/agate-identity-\(UInt64.random(in: 0...UInt64.max)).db"
        defer { for suffix in ["", "-wal", "-shm"] { _ = unlink(path + suffix) } }
        try IdentityStore(path: path).seed()
        let reopened = try IdentityStore(path: path)
        #expect(try reopened.agent(id: "agent-1")?.blueprint == "finance-reporting")
        for file in [path, path + "-wal", path + "-shm"] {
            var info = stat()
            #expect(stat(file, &info) == 0)
            #expect(info.st_mode & 0o077 == 0, "\(file) is readable by others")
        }
    }
}
