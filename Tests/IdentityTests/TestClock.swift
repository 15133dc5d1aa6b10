import Identity
import Synchronization

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let seconds: Mutex<Int64>

    init(_ start: Int64 = 1_800_000_000) { seconds = Mutex(start) }

    var now: Int64 { seconds.withLock { $0 } }

    func advance(_ delta: Int64) { seconds.withLock { $0 += delta } }

    func store() throws -> IdentityStore {
        try IdentityStore.inMemory(clock: { [self] in now })
    }
}

extension IdentityStore {
    /// A blueprint and an agent from it, the usual starting point.
    func seed(agent: String = "agent-1", blueprint: String = "finance-reporting") throws {
        try createBlueprint(Blueprint(name: blueprint, description: "Reads finance reports",
                                      defaultScopes: ["Reports.Read"], maxTokenLifetime: 3600), actor: "alice")
        try createAgent(Agent(id: agent, displayName: "Report bot", blueprint: blueprint, sponsor: "alice@contoso.com",
                              groups: ["finance"], attributes: ["tier": .int(2)]), actor: "alice")
    }
}
