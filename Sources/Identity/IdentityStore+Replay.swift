import GRDB

extension IdentityStore {
    /// Records that the assertion `jti` from `issuer` was used, and says
    /// whether it was new. The row is kept until the assertion expires (after
    /// that its `exp` check refuses it anyway), so the table stays small.
    /// The check and the insert are one transaction: two concurrent callers
    /// presenting the same assertion cannot both win.
    public func consumeAssertion(issuer: String, jti: String, expires: Int64, at time: Int64) throws -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM used_assertions WHERE expires < ?", arguments: [time])
            if try Row.fetchOne(db, sql: "SELECT 1 FROM used_assertions WHERE issuer = ? AND jti = ?",
                                arguments: [issuer, jti]) != nil {
                return false
            }
            try db.execute(sql: "INSERT INTO used_assertions (issuer, jti, expires) VALUES (?, ?, ?)",
                           arguments: [issuer, jti, expires])
            return true
        }
    }
}
