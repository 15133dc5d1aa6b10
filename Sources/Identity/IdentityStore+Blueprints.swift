import GRDB

extension IdentityStore {
    /// Registers a new blueprint (its `created` time is set by the store).
    @discardableResult
    public func createBlueprint(_ blueprint: Blueprint, actor: String) throws -> Blueprint {
        try Validate.name(blueprint.name, field: "blueprint name")
        try Validate.text(blueprint.description, field: "description")
        for scope in blueprint.defaultScopes { try Validate.name(scope, field: "scope") }
        guard (1...86_400).contains(blueprint.maxTokenLifetime) else {
            throw IdentityError.invalid(field: "maximum token lifetime",
                                        reason: "\(blueprint.maxTokenLifetime)s is outside 1s…24h")
        }
        var stored = blueprint
        stored.created = clock()
        return try write { db in
            guard try Self.fetchBlueprint(db, name: stored.name) == nil else {
                throw IdentityError.blueprintExists(stored.name)
            }
            try db.execute(
                sql: """
                    INSERT INTO blueprints (name, description, default_scopes, max_token_lifetime, state, created)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [stored.name, stored.description, JSONColumn.encode(stored.defaultScopes),
                            stored.maxTokenLifetime, stored.state.rawValue, stored.created])
            try audit(db, actor: actor, action: "blueprint.created", target: stored.name, details: [
                "description": .string(stored.description), "default_scopes": .stringSet(stored.defaultScopes),
                "max_token_lifetime_s": .int(stored.maxTokenLifetime), "state": .string(stored.state.rawValue),
            ])
            return stored
        }
    }

    public func blueprint(named name: String) throws -> Blueprint? {
        try read { db in try Self.fetchBlueprint(db, name: name) }
    }

    /// Every blueprint, by name.
    public func blueprints() throws -> [Blueprint] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM blueprints ORDER BY name").map(Self.blueprint(from:))
        }
    }

    /// Disables or re-enables a blueprint. A disabled blueprint denies every
    /// agent made from it, whatever the agent's own state.
    @discardableResult
    public func setBlueprintState(_ name: String, to state: RecordState, actor: String) throws -> Blueprint {
        try write { db in
            guard var blueprint = try Self.fetchBlueprint(db, name: name) else {
                throw IdentityError.unknownBlueprint(name)
            }
            let agents = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM agents WHERE blueprint = ?",
                                          arguments: [name]) ?? 0
            try db.execute(sql: "UPDATE blueprints SET state = ? WHERE name = ?", arguments: [state.rawValue, name])
            try audit(db, actor: actor, action: state == .active ? "blueprint.enabled" : "blueprint.disabled",
                      target: name, details: ["previous_state": .string(blueprint.state.rawValue),
                                              "agents_affected": .int(Int64(agents))])
            blueprint.state = state
            return blueprint
        }
    }

    static func fetchBlueprint(_ db: Database, name: String) throws -> Blueprint? {
        // Cached: run for every agent request the server resolves.
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM blueprints WHERE name = ?"), arguments: [name])
            .map(blueprint(from:))
    }

    static func blueprint(from row: Row) throws -> Blueprint {
        Blueprint(name: row["name"], description: row["description"],
                  defaultScopes: try JSONColumn.decode([String].self, row["default_scopes"]),
                  maxTokenLifetime: row["max_token_lifetime"],
                  state: RecordState(rawValue: row["state"]) ?? .disabled, created: row["created"])
    }
}
