import GRDB

extension IdentityStore {
    /// Appends an event to the audit log in its own transaction (token
    /// issuance and denials; record changes log inside their own transaction).
    public func appendAudit(actor: String, action: String, target: String, details: [String: AttributeValue] = [:])
        throws
    {
        try write { db in try self.audit(db, actor: actor, action: action, target: target, details: details) }
    }

    /// The audit log, oldest first; `target` narrows it to one record,
    /// `limit` keeps the newest events.
    public func auditEvents(target: String? = nil, limit: Int? = nil) throws -> [AuditEvent] {
        try read { db in
            var sql = "SELECT sequence, time, actor, action, target, details FROM audit_events"
            var arguments: StatementArguments = []
            if let target {
                sql += " WHERE target = ?"
                arguments += [target]
            }
            sql += " ORDER BY sequence DESC"
            if let limit {
                sql += " LIMIT ?"
                arguments += [max(0, limit)]
            }
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            return rows.reversed().map { row in
                AuditEvent(sequence: row["sequence"], time: row["time"], actor: row["actor"],
                           action: row["action"], target: row["target"], details: row["details"])
            }
        }
    }

    func audit(_ db: Database, actor: String, action: String, target: String, details: [String: AttributeValue])
        throws
    {
        try db.execute(
            sql: "INSERT INTO audit_events (time, actor, action, target, details) VALUES (?, ?, ?, ?, ?)",
            arguments: [clock(), actor, action, target, JSONColumn.encode(details)])
    }
}
