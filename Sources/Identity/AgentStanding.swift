import GRDB

/// Why an agent is refused before any policy runs.
public enum DenialReason: Sendable, Equatable, CustomStringConvertible {
    case unknownAgent(String)
    case agentDisabled(String)
    case agentExpired(String, at: Int64)
    case blueprintDisabled(agent: String, blueprint: String)

    /// A stable machine-readable code for logs and answers.
    public var code: String {
        switch self {
        case .unknownAgent: "unknown_agent"
        case .agentDisabled: "agent_disabled"
        case .agentExpired: "agent_expired"
        case .blueprintDisabled: "blueprint_disabled"
        }
    }

    public var description: String {
        switch self {
        case .unknownAgent(let id): "unknown agent `\(id)`"
        case .agentDisabled(let id): "agent `\(id)` is disabled"
        case .agentExpired(let id, _): "agent `\(id)` has expired"
        case .blueprintDisabled(let agent, let blueprint):
            "agent `\(agent)` derives from blueprint `\(blueprint)`, which is disabled"
        }
    }
}

/// Whether an agent may be considered by policy at a given instant.
public enum AgentStanding: Sendable, Equatable {
    case active(Agent, Blueprint)
    case denied(DenialReason)
}

extension IdentityStore {
    /// Looks an agent up and checks it can act at `time`: it exists, is
    /// active, has not expired, and its blueprint is active. Any failure to
    /// read the store denies (fails closed) as if the agent were unknown.
    public func standing(ofAgent id: String, at time: Int64) -> AgentStanding {
        let record = records.record(for: id) {
            try? read { db -> RecordCache.Record in
                guard let agent = try Self.fetchAgent(db, id: id) else { return .unknown }
                return .agent(agent, try Self.fetchBlueprint(db, name: agent.blueprint))
            }
        }
        guard case .agent(let agent, let blueprint?) = record else { return .denied(.unknownAgent(id)) }
        if agent.state != .active { return .denied(.agentDisabled(id)) }
        if let expires = agent.expires, time >= expires { return .denied(.agentExpired(id, at: expires)) }
        if blueprint.state != .active { return .denied(.blueprintDisabled(agent: id, blueprint: blueprint.name)) }
        return .active(agent, blueprint)
    }
}
