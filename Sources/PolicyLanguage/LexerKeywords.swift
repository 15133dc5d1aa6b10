/// Reserved words, matched by length first and then bytes (no hashing of every
/// identifier): `byLength[n]` holds only the keywords of `n` bytes.
enum Keywords {
    static let all: [(String, TokenKind)] = [
        ("policyset", .kwPolicyset), ("default", .kwDefault), ("let", .kwLet),
        ("policy", .kwPolicy), ("description", .kwDescription), ("target", .kwTarget),
        ("when", .kwWhen), ("allow", .kwAllow), ("deny", .kwDeny), ("limit", .kwLimit),
        ("enforce", .kwEnforce), ("report_only", .kwReportOnly), ("disabled", .kwDisabled),
        ("and", .kwAnd), ("or", .kwOr), ("not", .kwNot), ("in", .kwIn), ("like", .kwLike),
        ("matches", .kwMatches), ("has", .kwHas), ("any", .kwAny), ("all", .kwAll),
        ("true", .kwTrue), ("false", .kwFalse), ("schedule", .kwSchedule),
    ]

    static let longest = all.map { $0.0.utf8.count }.max() ?? 0

    static let byLength: [[([UInt8], TokenKind)]] = {
        var table = [[([UInt8], TokenKind)]](repeating: [], count: longest + 1)
        for (word, kind) in all { table[word.utf8.count].append((Array(word.utf8), kind)) }
        return table
    }()

    /// The keyword spelled by `bytes[start..<end]`, if any.
    static func lookup(_ bytes: [UInt8], _ start: Int, _ end: Int) -> TokenKind? {
        let length = end - start
        guard length > 0, length <= longest else { return nil }
        candidates: for (word, kind) in byLength[length] {
            for k in 0..<length where word[k] != bytes[start + k] { continue candidates }
            return kind
        }
        return nil
    }
}
