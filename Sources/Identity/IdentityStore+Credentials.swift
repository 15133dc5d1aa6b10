import GRDB

extension IdentityStore {
    /// Registers a credential for an agent. The caller has already validated
    /// the key material (the Tokens module parses JWKs); the store checks
    /// ownership and uniqueness and logs the change.
    @discardableResult
    public func addCredential(id: String, agentID: String, material: CredentialMaterial, actor: String) throws
        -> Credential
    {
        try Validate.name(id, field: "credential id")
        let credential = Credential(id: id, agentID: agentID, material: material, created: clock())
        return try write { db in
            try insert(db, credential)
            try audit(db, actor: actor, action: "credential.added", target: agentID, details: details(of: credential))
            return credential
        }
    }

    /// Replaces a credential with a new one in one transaction: the new one
    /// is registered and the old one revoked, so there is no instant at which
    /// the agent has neither (or both, unaccounted for).
    @discardableResult
    public func rotateCredential(_ oldID: String, agentID: String, newID: String, material: CredentialMaterial,
                                 actor: String) throws -> Credential
    {
        try Validate.name(newID, field: "credential id")
        let credential = Credential(id: newID, agentID: agentID, material: material, created: clock())
        return try write { db in
            try revoke(db, oldID, agentID: agentID)
            try insert(db, credential)
            var details = details(of: credential)
            details["replaces"] = .string(oldID)
            try audit(db, actor: actor, action: "credential.rotated", target: agentID, details: details)
            return credential
        }
    }

    /// Revokes a credential for good; assertions signed with it are refused.
    public func revokeCredential(_ id: String, agentID: String, actor: String) throws {
        try write { db in
            try revoke(db, id, agentID: agentID)
            try audit(db, actor: actor, action: "credential.revoked", target: agentID, details: ["credential": .string(id)])
        }
    }

    /// The credentials of one agent, revoked ones included, oldest first.
    public func credentials(ofAgent agentID: String) throws -> [Credential] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM credentials WHERE agent_id = ? ORDER BY created, id",
                             arguments: [agentID]).map(Self.credential(from:))
        }
    }

    public func credential(id: String) throws -> Credential? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM credentials WHERE id = ?", arguments: [id]).map(Self.credential(from:))
        }
    }

    /// The active federated credentials trusting `issuer` for `subject`.
    public func federatedCredentials(issuer: String, subject: String) throws -> [Credential] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM credentials WHERE kind = 'federated' AND state = 'active' AND issuer = ? AND subject = ?
                    ORDER BY id
                    """,
                arguments: [issuer, subject]
            ).map(Self.credential(from:))
        }
    }

    private func insert(_ db: Database, _ credential: Credential) throws {
        guard try Self.fetchAgent(db, id: credential.agentID) != nil else {
            throw IdentityError.unknownAgent(credential.agentID)
        }
        guard try Row.fetchOne(db, sql: "SELECT 1 FROM credentials WHERE id = ?", arguments: [credential.id]) == nil
        else { throw IdentityError.credentialExists(credential.id) }
        var jwk: String?, algorithm: String?, issuer: String?, subject: String?, jwks: String?
        switch credential.material {
        case .publicKey(let key, let alg): (jwk, algorithm) = (key, alg)
        case .federated(let iss, let sub, let set): (issuer, subject, jwks) = (iss, sub, set)
        }
        try db.execute(
            sql: """
                INSERT INTO credentials (id, agent_id, kind, jwk, algorithm, issuer, subject, jwks, state, created)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?)
                """,
            arguments: [credential.id, credential.agentID, credential.material.kind, jwk, algorithm, issuer, subject,
                        jwks, credential.created])
    }

    private func revoke(_ db: Database, _ id: String, agentID: String) throws {
        guard let row = try Row.fetchOne(db, sql: "SELECT agent_id, state FROM credentials WHERE id = ?", arguments: [id])
        else { throw IdentityError.unknownCredential(id) }
        guard row["agent_id"] as String == agentID else {
            throw IdentityError.credentialOfOtherAgent(credential: id, agent: agentID)
        }
        guard row["state"] as String == CredentialState.active.rawValue else { throw IdentityError.credentialRevoked(id) }
        try db.execute(sql: "UPDATE credentials SET state = 'revoked', revoked = ? WHERE id = ?", arguments: [clock(), id])
    }

    private func details(of credential: Credential) -> [String: AttributeValue] {
        var details: [String: AttributeValue] = ["credential": .string(credential.id),
                                                 "kind": .string(credential.material.kind)]
        switch credential.material {
        case .publicKey(_, let algorithm): details["algorithm"] = .string(algorithm)
        case .federated(let issuer, let subject, _):
            details["issuer"] = .string(issuer)
            details["subject"] = .string(subject)
        }
        return details
    }

    static func credential(from row: Row) throws -> Credential {
        let material: CredentialMaterial
        if row["kind"] as String == "federated" {
            material = .federated(issuer: row["issuer"] ?? "", subject: row["subject"] ?? "", jwks: row["jwks"] ?? "")
        } else {
            material = .publicKey(jwk: row["jwk"] ?? "", algorithm: row["algorithm"] ?? "")
        }
        return Credential(id: row["id"], agentID: row["agent_id"], material: material,
                          state: CredentialState(rawValue: row["state"]) ?? .revoked, created: row["created"],
                          revoked: row["revoked"])
    }
}
