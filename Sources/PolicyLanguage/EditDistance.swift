/// "Did you mean …?" suggestions by optimal-string-alignment distance (Levenshtein
/// plus adjacent transpositions, the typo people actually make).
public enum EditDistance {
    /// The distance between two strings, compared by Unicode scalar.
    public static func distance(_ a: String, _ b: String) -> Int {
        let s = Array(a.unicodeScalars), t = Array(b.unicodeScalars)
        if s.isEmpty { return t.count }
        if t.isEmpty { return s.count }
        var previous2 = [Int](repeating: 0, count: t.count + 1)
        var previous = Array(0...t.count)
        var current = [Int](repeating: 0, count: t.count + 1)
        for i in 1...s.count {
            current[0] = i
            for j in 1...t.count {
                let cost = s[i - 1] == t[j - 1] ? 0 : 1
                var best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, s[i - 1] == t[j - 2], s[i - 2] == t[j - 1] {
                    best = min(best, previous2[j - 2] + 1)
                }
                current[j] = best
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[t.count]
    }

    /// The closest candidate within a third of the name's length (at least 1, at
    /// most 3 edits); ties go to the earliest candidate so output is deterministic.
    public static func suggestion(for name: String, among candidates: some Sequence<String>) -> String? {
        let length = name.unicodeScalars.count
        // Inputs far longer than any name cannot be near one; skip the quadratic work.
        guard length <= 128 else { return nil }
        let limit = min(3, max(1, length / 3))
        var best: (name: String, distance: Int)?
        for candidate in candidates where candidate != name {
            guard abs(candidate.unicodeScalars.count - length) <= limit else { continue }
            let d = distance(name, candidate)
            if d <= limit, d < (best?.distance ?? Int.max) { best = (candidate, d) }
        }
        return best?.name
    }

    /// `did you mean `x`?`, or nil when nothing is close.
    static func help(for name: String, among candidates: some Sequence<String>) -> String? {
        suggestion(for: name, among: candidates).map { "did you mean `\($0)`?" }
    }
}
