import GRDB

/// A partial change to an agent record; `nil` fields are left as they are.
public struct AgentChange: Sendable, Equatable {
    public var displayName: String?
    public var sponsor: String?
    public var groups: [String]?
    public var attributes: [String: AttributeValue]?
    /// `.some(nil)` removes the expiry.
    public var expires: Int64??

    public init(displayName: String? = nil, sponsor: String? = nil, groups: [String]? = nil,
                attributes: [String: AttributeValue]? = nil, expires: Int64?? = nil) {
        self.displayName = displayName
        self.sponsor = sponsor
        self.groups = groups
        self.attributes = attributes
        self.expires = expires
    }
}

extension IdentityStore {
    /// Registers a new agent under an existing, active blueprint.
    @discardableResult
    public func createAgent(_ agent: Agent, actor: String) throws -> Agent {
        try validate(agent)
        var stored = agent
        stored.created = clock()
        return try write { db in
            guard try Self.fetchAgent(db, id: stored.id) == nil else { throw IdentityError.agentExists(stored.id) }
            guard let blueprint = try Self.fetchBlueprint(db, name: stored.blueprint) else {
                throw IdentityError.unknownBlueprint(stored.blueprint)
            }
            guard blueprint.state == .active else {
                throw IdentityError.invalid(field: "blueprint",
                                            reason: "`\(blueprint.name)` is disabled; enable it before adding agents")
            }
            try db.execute(
                sql: """
                    INSERT INTO agents (id, display_name, blueprint, sponsor, groups, attributes, state, created, expires)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [stored.id, stored.displayName, stored.blueprint, stored.sponsor,
                            JSONColumn.encode(stored.groups), JSONColumn.encode(stored.attributes),
                            stored.state.rawValue, stored.created, stored.expires])
            try audit(db, actor: actor, action: "agent.created", target: stored.id, details: details(of: stored))
            return stored
        }
    }

    public func agent(id: String) throws -> Agent? {
        try read { db in try Self.fetchAgent(db, id: id) }
    }

    /// Every agent, by id; `blueprint` narrows the list to one blueprint.
    public func agents(blueprint: String? = nil) throws -> [Agent] {
        try read { db in
            let rows = if let blueprint {
                try Row.fetchAll(db, sql: "SELECT * FROM agents WHERE blueprint = ? ORDER BY id", arguments: [blueprint])
            } else {
                try Row.fetchAll(db, sql: "SELECT * FROM agents ORDER BY id")
            }
            return try rows.map(Self.agent(from:))
        }
    }

    /// Disables or re-enables one agent, touching nothing else.
    @discardableResult
    public func setAgentState(_ id: String, to state: RecordState, actor: String) throws -> Agent {
        try write { db in
            guard var agent = try Self.fetchAgent(db, id: id) else { throw IdentityError.unknownAgent(id) }
            try db.execute(sql: "UPDATE agents SET state = ? WHERE id = ?", arguments: [state.rawValue, id])
            try audit(db, actor: actor, action: state == .active ? "agent.enabled" : "agent.disabled", target: id,
                      details: ["previous_state": .string(agent.state.rawValue)])
            agent.state = state
            return agent
        }
    }

    /// Changes an agent's descriptive fields; the blueprint never changes (a
    /// different kind of agent is a different identity).
    @discardableResult
    public func updateAgent(_ id: String, _ change: AgentChange, actor: String) throws -> Agent {
        try write { db in
            guard var agent = try Self.fetchAgent(db, id: id) else { throw IdentityError.unknownAgent(id) }
            if let value = change.displayName { agent.displayName = value }
            if let value = change.sponsor { agent.sponsor = value }
            if let value = change.groups { agent.groups = value }
            if let value = change.attributes { agent.attributes = value }
            if let value = change.expires { agent.expires = value }
            try validate(agent)
            try db.execute(
                sql: """
                    UPDATE agents SET display_name = ?, sponsor = ?, groups = ?, attributes = ?, expires = ?
                    WHERE id = ?
                    """,
                arguments: [agent.displayName, agent.sponsor, JSONColumn.encode(agent.groups),
                            JSONColumn.encode(agent.attributes), agent.expires, id])
            try audit(db, actor: actor, action: "agent.changed", target: id, details: details(of: agent))
            return agent
        }
    }

    private func validate(_ agent: Agent) throws {
        try Validate.name(agent.id, field: "agent id")
        try Validate.text(agent.displayName, field: "display name")
        guard !agent.sponsor.isEmpty else {
            throw IdentityError.invalid(field: "sponsor", reason: "every agent needs an accountable human sponsor")
        }
        try Validate.name(agent.sponsor, field: "sponsor")
        for group in agent.groups { try Validate.name(group, field: "group") }
        for name in agent.attributes.keys { try Validate.name(name, field: "attribute name") }
    }

    private func details(of agent: Agent) -> [String: AttributeValue] {
        var details: [String: AttributeValue] = [
            "display_name": .string(agent.displayName), "blueprint": .string(agent.blueprint),
            "sponsor": .string(agent.sponsor), "groups": .stringSet(agent.groups),
            "state": .string(agent.state.rawValue),
        ]
        for (name, value) in agent.attributes { details["attribute." + name] = value }
        if let expires = agent.expires { details["expires"] = .int(expires) }
        return details
    }

    static func fetchAgent(_ db: Database, id: String) throws -> Agent? {
        // A cached statement: the server runs this for every agent request, and
        // compiling the SQL each time was most of its cost.
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM agents WHERE id = ?"), arguments: [id]).map(agent(from:))
    }

    static func agent(from row: Row) throws -> Agent {
        Agent(id: row["id"], displayName: row["display_name"], blueprint: row["blueprint"], sponsor: row["sponsor"],
              groups: try JSONColumn.decode([String].self, row["groups"]),
              attributes: try JSONColumn.decode([String: AttributeValue].self, row["attributes"]),
              state: RecordState(rawValue: row["state"]) ?? .disabled, created: row["created"],
              expires: row["expires"])
    }
}
