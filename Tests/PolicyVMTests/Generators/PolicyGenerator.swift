import TestSupport
import Foundation

/// Generates policy sets as SOURCE TEXT, so the parser and checker run on every
/// case, covering every construct of the language (LANGUAGE.md). Deterministic
/// for a seed.
struct GeneratedPolicySet {
    /// `policyset`, `default` and the `let`s.
    var header: [String]
    /// One policy declaration each, in order (kept apart so a repro can drop some).
    var policies: [String]
    /// Schedules mentioned, so requests can land on their edges.
    var schedules: [(days: [Int], start: Int, end: Int, zone: String)]

    var source: String { (header + policies).joined(separator: "\n") + "\n" }
}

struct PolicyGenerator {
    private var rng: SeededRandom
    private var stringSetLets: [String] = []
    private var cidrSetLets: [String] = []
    private var scheduleLets: [String] = []
    private var stringLets: [String] = []
    private var schedules: [(days: [Int], start: Int, end: Int, zone: String)] = []
    /// Quantifier variables in scope, innermost last.
    private var variables: [String] = []

    init(seed: UInt64) { rng = SeededRandom(seed: seed) }

    mutating func generate(policies count: Int) -> GeneratedPolicySet {
        var lines: [String] = ["# generated policy set"]
        if rng.chance(0.5) { lines.append("policyset \"generated\"") }
        if rng.chance(0.7) { lines.append("default \(rng.chance(0.35) ? "allow" : "deny")") }
        lines += letDeclarations()
        let policies = (0..<count).map { policy($0) }
        return GeneratedPolicySet(header: lines, policies: policies, schedules: schedules)
    }

    // MARK: lets

    private mutating func letDeclarations() -> [String] {
        var out: [String] = []
        for k in 0..<rng.int(0...2) {
            let name = "strings_\(k)"
            out.append("let \(name) = \(stringSet(from: rng.pick(Self.stringPools)))")
            stringSetLets.append(name)
        }
        if let first = stringSetLets.first, rng.chance(0.5) {
            out.append("let alias_of_\(first) = \(first)   # a let naming a let")
            stringSetLets.append("alias_of_\(first)")
        }
        for k in 0..<rng.int(0...2) {
            out.append("let networks_\(k) = \(cidrSet())")
            cidrSetLets.append("networks_\(k)")
        }
        for k in 0..<rng.int(0...2) {
            out.append("let hours_\(k) = \(schedule())")
            scheduleLets.append("hours_\(k)")
        }
        if rng.chance(0.4) {
            out.append("let main_audience = \(quote(rng.pick(Vocabulary.audiences)))")
            stringLets.append("main_audience")
        }
        return out
    }

    // MARK: policies

    private mutating func policy(_ index: Int) -> String {
        let mode = rng.pick(["", "", "", " enforce", " report_only", " disabled"])
        var clauses: [String] = []
        if rng.chance(0.3) { clauses.append("description \(quote("policy number \(index)"))") }
        for _ in 0..<rng.pick([0, 0, 1, 1, 2]) { clauses.append("target " + target()) }
        for _ in 0..<rng.pick([0, 1, 1, 1, 2]) { clauses.append("when " + condition(depth: rng.int(0...3))) }
        clauses.append(effect(index))
        clauses.shuffle(using: &rng)
        return "policy p\(index)\(mode) {\n  " + clauses.joined(separator: "\n  ") + "\n}"
    }

    private mutating func effect(_ index: Int) -> String {
        switch rng.int(0...9) {
        case 0...3: return "deny \(quote("reason \(index)"))"
        case 4...7: return rng.chance(0.4) ? "allow" : "allow " + controls()
        default: return "limit " + controls()
        }
    }

    private mutating func controls() -> String {
        var parts: [String] = []
        if rng.chance(0.5) { parts.append("token_lifetime \(duration(rng.pick(Vocabulary.durations)))") }
        if rng.chance(0.4) { parts.append("scopes \(stringSet(from: Vocabulary.scopes, min: 1))") }
        if rng.chance(0.4) {
            parts.append(rng.chance(0.5) ? "require \(quote(rng.pick(Self.requirements)))"
                         : "require \(stringSet(from: Self.requirements, min: 1))")
        }
        if parts.isEmpty { parts.append("require \(quote(rng.pick(Self.requirements)))") }
        return "{ " + parts.joined(separator: " ") + " }"
    }

    /// Every target shape the checker accepts (LANGUAGE.md "Targets").
    private mutating func target() -> String {
        let (signal, pool) = rng.pick(Self.targetSignals)
        switch rng.int(0...6) {
        case 0: return "\(signal) == \(stringConstant(pool))"
        case 1: return "\(signal) != \(stringConstant(pool))"
        case 2: return "\(signal) in \(stringSetOperand(pool))"
        case 3: return "\(signal) not in \(stringSetOperand(pool))"
        case 4: return "\(signal) like \(quote(glob(pool)))"
        case 5: return "\(quote(rng.pick(Vocabulary.groups))) in subject.groups"
        default:
            return rng.chance(0.5) ? "subject.kind == \(rng.pick(Self.kinds))"
                : "subject.kind in [\(rng.sample(Self.kinds, rng.int(1...3)).joined(separator: ", "))]"
        }
    }

    // MARK: conditions

    mutating func condition(depth: Int) -> String {
        guard depth > 0, rng.chance(0.75) else { return leaf() }
        switch rng.int(0...9) {
        case 0...2: return (0..<rng.int(2...3)).map { _ in wrap(condition(depth: depth - 1)) }.joined(separator: " and ")
        case 3...5: return (0..<rng.int(2...3)).map { _ in wrap(condition(depth: depth - 1)) }.joined(separator: " or ")
        case 6: return "not " + wrap(condition(depth: depth - 1))
        case 7: return "(" + condition(depth: depth - 1) + ")"
        default: return quantified(depth: depth)
        }
    }

    /// Parenthesises anything that is not a leaf, so precedence never surprises.
    private func wrap(_ text: String) -> String {
        text.contains(" and ") || text.contains(" or ") || text.hasPrefix("any ") || text.hasPrefix("all ")
            || text.hasPrefix("not ") ? "(" + text + ")" : text
    }

    private mutating func quantified(depth: Int) -> String {
        let variable = "v\(variables.count)"
        let source = rng.chance(0.8) ? rng.pick(Self.stringSetSignals) : stringSet(from: rng.pick(Self.stringPools))
        variables.append(variable)
        defer { variables.removeLast() }
        let body = rng.chance(0.6) ? variableTest(variable) : condition(depth: depth - 1)
        return "(\(rng.chance(0.5) ? "any" : "all") \(variable) in \(source): \(body))"
    }

    private mutating func variableTest(_ variable: String) -> String {
        let pool = rng.pick(Self.stringPools)
        switch rng.int(0...6) {
        case 0: return "\(variable) == \(stringConstant(pool))"
        case 1: return "\(variable) like \(quote(glob(pool)))"
        case 2: return "\(variable) matches \(regex())"
        case 3: return "\(variable) in \(stringSetOperand(pool))"
        case 4: return "\(variable) not in \(rng.pick(Self.stringSetSignals))"
        case 5 where variables.count > 1: return "\(variable) == \(variables[0])"
        default: return "\(variable) != \(stringConstant(pool))"
        }
    }

    private mutating func leaf() -> String {
        switch rng.int(0...21) {
        case 0...3: return stringTest(rng.pick(Self.stringSignals))
        case 4: return stringTest(dynamic())
        case 5: return setTest()
        case 6: return "\(rng.pick(Self.intSignals)) \(rng.pick(Self.comparisons)) \(rng.pick(Vocabulary.ints))"
        case 7: return "\(dynamic()) \(rng.pick(Self.comparisons)) \(rng.pick(Vocabulary.ints))"
        case 8: return riskTest()
        case 9: return rng.chance(0.5) ? "subject.kind == \(rng.pick(Self.kinds))"
            : "subject.kind not in [\(rng.sample(Self.kinds, 2).joined(separator: ", "))]"
        case 10: return weekdayTest()
        case 11: return timestampTest()
        case 12, 13: return ipTest()
        case 14, 15: return scheduleTest()
        case 16: return "\(rng.pick(Self.hasTargets))"
        case 17: return rng.chance(0.5) ? dynamic(bare: true) : "\(dynamic()) == \(rng.chance(0.5))"
        case 18: return rng.chance(0.5) ? "true" : "false"
        case 19: return "\(quote(rng.pick(Vocabulary.attributeStrings + Vocabulary.groups))) in \(dynamic())"
        case 20: return pathological()
        default: return guarded()
        }
    }

    private mutating func stringTest(_ operand: String) -> String {
        let pool = rng.pick(Self.stringPools)
        switch rng.int(0...7) {
        case 0, 1: return "\(operand) == \(stringConstant(pool))"
        case 2: return "\(operand) != \(stringConstant(pool))"
        case 3: return "\(operand) in \(stringSetOperand(pool))"
        case 4: return "\(operand) not in \(stringSetOperand(pool))"
        case 5: return "\(operand) like \(quote(glob(pool)))"
        default: return "\(operand) matches \(regex())"
        }
    }

    private mutating func setTest() -> String {
        let set = rng.pick(Self.stringSetSignals)
        let element = stringConstant(rng.pick(Self.stringPools))
        return rng.chance(0.6) ? "\(element) in \(set)" : "\(element) not in \(set)"
    }

    private mutating func riskTest() -> String {
        let signal = rng.pick(["risk.level", "subject.risk"])
        return rng.chance(0.7) ? "\(signal) \(rng.pick(Self.comparisons)) \(rng.pick(Self.levels))"
            : "\(signal) in [\(rng.sample(Self.levels, rng.int(1...3)).joined(separator: ", "))]"
    }

    private mutating func weekdayTest() -> String {
        switch rng.int(0...2) {
        case 0: return "time.weekday \(rng.pick(Self.comparisons)) \(rng.pick(Self.weekdays))"
        case 1: return "time.weekday in [\(rng.sample(Self.weekdays, rng.int(1...4)).joined(separator: ", "))]"
        default: return "time.hour \(rng.pick(Self.comparisons)) \(rng.int(0...23))"
        }
    }

    private mutating func timestampTest() -> String {
        switch rng.int(0...2) {
        case 0: return "time - subject.created \(rng.pick(Self.comparisons)) \(duration(rng.pick(Vocabulary.durations)))"
        case 1: return "subject has created and time - subject.created < \(duration(rng.pick(Vocabulary.durations)))"
        default: return "subject.created \(rng.pick(Self.comparisons)) time"
        }
    }

    private mutating func ipTest() -> String {
        let negated = rng.chance(0.3) ? "not in" : "in"
        switch rng.int(0...3) {
        case 0: return "location.ip \(negated) \(rng.pick(Vocabulary.networksV4 + Vocabulary.networksV6))"
        case 1 where !cidrSetLets.isEmpty: return "location.ip \(negated) \(rng.pick(cidrSetLets))"
        case 2: return "location.ip == \(rng.pick(Vocabulary.addressesV4 + Vocabulary.addressesV6))"
        default: return "location.ip \(negated) \(cidrSet())"
        }
    }

    private mutating func scheduleTest() -> String {
        let operand = !scheduleLets.isEmpty && rng.chance(0.4) ? rng.pick(scheduleLets) : schedule()
        return rng.chance(0.3) ? "not (time in \(operand))" : "time in \(operand)"
    }

    /// Optional signals read behind `has`, the way careful policies do.
    private mutating func guarded() -> String {
        let (has, signal) = rng.pick([("subject has blueprint", "subject.blueprint"),
                                      ("subject has sponsor", "subject.sponsor"),
                                      ("location has country", "location.country")])
        return "(\(has) and \(stringTest(signal)))"
    }

    private mutating func pathological() -> String {
        let operand = rng.chance(0.5) ? "subject.id" : "context.ticket"
        let r = Vocabulary.pathologicalRegex
        return "\(operand) matches /\(r.pattern)/\(r.flags)"
    }

    // MARK: operands and literals

    private mutating func dynamic(bare: Bool = false) -> String {
        let root = rng.chance(0.5) ? "context" : "subject.attributes"
        return "\(root).\(rng.pick(Vocabulary.attributeNames))"
    }

    private mutating func stringConstant(_ pool: [String]) -> String {
        if !stringLets.isEmpty && rng.chance(0.1) { return rng.pick(stringLets) }
        return quote(rng.chance(0.9) ? rng.pick(pool) : "zz-\(rng.int(0...9))")
    }

    private mutating func stringSetOperand(_ pool: [String]) -> String {
        !stringSetLets.isEmpty && rng.chance(0.3) ? rng.pick(stringSetLets) : stringSet(from: pool)
    }

    private mutating func stringSet(from pool: [String], min: Int = 1) -> String {
        let elements = rng.sample(pool, rng.int(min...Swift.max(min, Swift.min(4, pool.count))))
        return "[" + elements.map(quote).joined(separator: ", ") + (rng.chance(0.1) ? ",]" : "]")
    }

    private mutating func cidrSet() -> String {
        "[" + rng.sample(Vocabulary.networksV4 + Vocabulary.networksV6 + Self.singleAddresses, rng.int(1...4))
            .joined(separator: ", ") + "]"
    }

    private mutating func glob(_ pool: [String]) -> String {
        let base = rng.pick(pool)
        let chars = Array(base)
        let cut = rng.int(0...chars.count)
        switch rng.int(0...4) {
        case 0: return String(chars[..<cut]) + "*"
        case 1: return "*" + String(chars[cut...])
        case 2: return String(chars[..<cut]) + "*" + String(chars[cut...])
        case 3: return "*"
        default: return base.replacingOccurrences(of: "*", with: "\\*") + (rng.chance(0.5) ? "\\*" : "")
        }
    }

    private mutating func regex() -> String {
        let r = rng.pick(Vocabulary.regexes)
        return "/\(r.pattern)/\(r.flags)"
    }

    private mutating func schedule() -> String {
        let days = rng.sample(Array(1...7), rng.int(1...7)).sorted()
        var start = rng.pick([0, 8 * 3600, 9 * 3600 + 30 * 60, 1 * 3600 + 59 * 60 + 59, 2 * 3600, 22 * 3600])
        var end = rng.pick([18 * 3600, 86400, 3 * 3600, 2 * 3600 + 30 * 60, 23 * 3600 + 59 * 60, 8 * 3600 + 1])
        if end <= start { (start, end) = (Swift.min(start, end), Swift.max(start, end) + (start == end ? 60 : 0)) }
        let zone = rng.pick(Vocabulary.zones)
        schedules.append((days, start, end, zone))
        let dayText = days.count == 5 && days == [1, 2, 3, 4, 5] ? "mon..fri"
            : days.map { Self.weekdays[$0 - 1] }.joined(separator: ", ")
        return "schedule \(dayText) \(timeOfDay(start))..\(timeOfDay(end)) \(quote(zone))"
    }

    private func timeOfDay(_ seconds: Int) -> String {
        let text = String(format2(seconds / 3600)) + ":" + format2(seconds % 3600 / 60)
        return seconds % 60 == 0 ? text : text + ":" + format2(seconds % 60)
    }

    private func format2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    private func duration(_ seconds: Int64) -> String {
        if seconds % 86400 == 0 { return "\(seconds / 86400)d" }
        if seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds > 3600 { return "\(seconds / 3600)h\(seconds % 3600 / 60)m" }
        return seconds % 60 == 0 ? "\(seconds / 60)m" : "\(seconds)s"
    }

    func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    // MARK: tables

    static let stringSignals = ["subject.id", "subject.blueprint", "subject.sponsor", "audience", "location.country",
                                "delegation.origin"]
    static let targetSignals: [(String, [String])] = [
        ("subject.id", Vocabulary.ids), ("subject.blueprint", Vocabulary.blueprints),
        ("subject.sponsor", Vocabulary.sponsors), ("audience", Vocabulary.audiences),
    ]
    static let stringSetSignals = ["scopes", "subject.groups", "risk.signals", "delegation.chain"]
    static let intSignals = ["risk.score", "delegation.depth", "time.hour"]
    static let stringPools = [Vocabulary.ids, Vocabulary.blueprints, Vocabulary.sponsors, Vocabulary.groups,
                              Vocabulary.audiences, Vocabulary.scopes, Vocabulary.countries, Vocabulary.signals]
    static let comparisons = ["==", "!=", "<", "<=", ">", ">="]
    static let kinds = ["agent", "user", "workload", "service"]
    static let levels = ["none", "low", "medium", "high"]
    static let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    static let requirements = ["human_approval", "mfa", "managed_device"]
    static let singleAddresses = ["10.1.2.3", "2001:db8::1", "::ffff:10.1.2.3"]
    static let hasTargets = ["subject has blueprint", "subject has sponsor", "subject has created",
                             "location has country", "context has ticket", "subject.attributes has cost_center",
                             "context has enabled", "subject.attributes has tags"]
}
