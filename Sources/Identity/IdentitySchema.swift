import GRDB

/// The store's schema, as migrations in code: a database file is brought up to
/// date when it is opened, and a migration, once shipped, never changes.
enum IdentitySchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-records") { db in
            try db.execute(sql: recordsV1)
        }
        migrator.registerMigration("v1-audit") { db in
            try db.execute(sql: auditV1)
        }
        migrator.registerMigration("v1-replay") { db in
            try db.execute(sql: replayV1)
        }
        return migrator
    }

    private static let recordsV1 = """
        CREATE TABLE blueprints (
            name TEXT PRIMARY KEY NOT NULL,
            description TEXT NOT NULL,
            default_scopes TEXT NOT NULL,
            max_token_lifetime INTEGER NOT NULL CHECK (max_token_lifetime > 0),
            state TEXT NOT NULL CHECK (state IN ('active', 'disabled')),
            created INTEGER NOT NULL
        );
        CREATE TABLE agents (
            id TEXT PRIMARY KEY NOT NULL,
            display_name TEXT NOT NULL,
            blueprint TEXT NOT NULL REFERENCES blueprints(name),
            sponsor TEXT NOT NULL CHECK (sponsor <> ''),
            groups TEXT NOT NULL,
            attributes TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('active', 'disabled')),
            created INTEGER NOT NULL,
            expires INTEGER
        );
        CREATE INDEX agents_by_blueprint ON agents(blueprint);
        CREATE TABLE credentials (
            id TEXT PRIMARY KEY NOT NULL,
            agent_id TEXT NOT NULL REFERENCES agents(id),
            kind TEXT NOT NULL CHECK (kind IN ('public_key', 'federated')),
            jwk TEXT,
            algorithm TEXT,
            issuer TEXT,
            subject TEXT,
            jwks TEXT,
            state TEXT NOT NULL CHECK (state IN ('active', 'revoked')),
            created INTEGER NOT NULL,
            revoked INTEGER
        );
        CREATE INDEX credentials_by_agent ON credentials(agent_id);
        CREATE INDEX credentials_by_federation ON credentials(issuer, subject);
        """

    // The triggers make the audit log append-only for every writer of the
    // file, not only for this code: SQLite itself aborts an UPDATE or DELETE.
    private static let auditV1 = """
        CREATE TABLE audit_events (
            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
            time INTEGER NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            details TEXT NOT NULL
        );
        CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
        CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
        """

    private static let replayV1 = """
        CREATE TABLE used_assertions (
            issuer TEXT NOT NULL,
            jti TEXT NOT NULL,
            expires INTEGER NOT NULL,
            PRIMARY KEY (issuer, jti)
        );
        CREATE INDEX used_assertions_by_expiry ON used_assertions(expires);
        """
}
