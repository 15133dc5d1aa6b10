import Identity
import Testing

/// Who is denied before any policy runs, and why.
@Suite struct StandingTests {
    @Test func activeAgentStands() throws {
        let clock = TestClock()
        let store = try clock.store()
        try store.seed()
        guard case .active(let agent, let blueprint) = store.standing(ofAgent: "agent-1", at: clock.now) else {
            Issue.record("expected an active agent")
            return
        }
        #expect(agent.id == "agent-1")
        #expect(blueprint.name == "finance-reporting")
    }

    @Test func unknownAgentIsDenied() throws {
        let store = try TestClock().store()
        #expect(store.standing(ofAgent: "ghost", at: 0) == .denied(.unknownAgent("ghost")))
    }

    /// Standing is read before and after each change: the store caches it,
    /// and a change must still be seen by the very next lookup.
    @Test func disabledAgentIsDeniedAndCanBeEnabled() throws {
        let clock = TestClock()
        let store = try clock.store()
        try store.seed()
        guard case .active = store.standing(ofAgent: "agent-1", at: clock.now) else {
            Issue.record("expected an active agent")
            return
        }
        try store.setAgentState("agent-1", to: .disabled, actor: "alice")
        #expect(store.standing(ofAgent: "agent-1", at: clock.now) == .denied(.agentDisabled("agent-1")))
        try store.setAgentState("agent-1", to: .active, actor: "alice")
        guard case .active = store.standing(ofAgent: "agent-1", at: clock.now) else {
            Issue.record("expected the agent active again")
            return
        }
    }

    @Test func expiredAgentIsDenied() throws {
        let clock = TestClock()
        let store = try clock.store()
        try store.seed()
        try store.updateAgent("agent-1", AgentChange(expires: .some(clock.now + 60)), actor: "alice")
        guard case .active = store.standing(ofAgent: "agent-1", at: clock.now + 59) else {
            Issue.record("expected the agent active before its expiry")
            return
        }
        #expect(store.standing(ofAgent: "agent-1", at: clock.now + 60)
            == .denied(.agentExpired("agent-1", at: clock.now + 60)))
    }

    @Test func disablingBlueprintDeniesEveryAgentOfIt() throws {
        let clock = TestClock()
        let store = try clock.store()
        try store.seed(agent: "a", blueprint: "one")
        try store.createAgent(Agent(id: "b", displayName: "B", blueprint: "one", sponsor: "bob"), actor: "bob")
        try store.seed(agent: "c", blueprint: "two")
        try store.setBlueprintState("one", to: .disabled, actor: "alice")
        #expect(store.standing(ofAgent: "a", at: clock.now) == .denied(.blueprintDisabled(agent: "a", blueprint: "one")))
        #expect(store.standing(ofAgent: "b", at: clock.now) == .denied(.blueprintDisabled(agent: "b", blueprint: "one")))
        guard case .active = store.standing(ofAgent: "c", at: clock.now) else {
            Issue.record("an agent of another blueprint must be untouched")
            return
        }
        // The agents' own state is untouched: re-enabling the blueprint restores them.
        try store.setBlueprintState("one", to: .active, actor: "alice")
        guard case .active = store.standing(ofAgent: "a", at: clock.now) else {
            Issue.record("expected the agent active again")
            return
        }
    }

    @Test func noAgentsUnderDisabledBlueprint() throws {
        let store = try TestClock().store()
        try store.seed()
        try store.setBlueprintState("finance-reporting", to: .disabled, actor: "alice")
        #expect(throws: IdentityError.self) {
            try store.createAgent(Agent(id: "x", displayName: "x", blueprint: "finance-reporting", sponsor: "bob"),
                                  actor: "alice")
        }
    }

    @Test func reasonsReadWell() {
        #expect(DenialReason.agentDisabled("a").description == "agent `a` is disabled")
        #expect(DenialReason.blueprintDisabled(agent: "a", blueprint: "b").code == "blueprint_disabled")
    }
}
