// Warnings that catch real mistakes: constant conditions (by folding), allows
// no request can reach, and optional signals read without a `has` guard.

extension CheckerState {
    // MARK: constant conditions

    mutating func warnIfConstant(_ condition: TypedExpr, clause span: Span) {
        guard !condition.type.isError, let value = ConstantFolder.fold(condition) else { return }
        if value {
            report(.alwaysTrue, "this condition is always true", at: span,
                   help: "remove the `when` clause, or fix the comparison")
        } else {
            report(.alwaysFalse, "this condition is always false, so the policy never applies", at: span,
                   help: "fix the comparison, or mark the policy `disabled`")
        }
    }

    // MARK: unreachable allows

    /// An `allow` whose targets include every target of an unconditional enforce
    /// `deny` can never win: every request it matches is denied first.
    mutating func reportShadowedAllows(_ policies: [PolicyUnderCheck]) {
        let blockers = policies.filter { policy in
            guard policy.checked.mode == .enforce, policy.checked.condition == nil,
                  case .deny = policy.checked.effect else { return false }
            return !policy.checked.targets.contains { $0.type.isError }
        }
        guard !blockers.isEmpty else { return }
        for policy in policies where policy.checked.mode != .disabled {
            guard case .allow = policy.checked.effect else { continue }
            guard let blocker = blockers.first(where: { $0.targetKeys.isSubset(of: policy.targetKeys) }) else { continue }
            report(.shadowedAllow, "policy `\(policy.checked.name)` can never allow anything", at: policy.effectSpan,
                   labels: [DiagnosticLabel(span: blocker.nameSpan,
                                            message: "`\(blocker.checked.name)` denies every request this policy targets")],
                   help: "add a `when` to the deny, or narrow its targets")
        }
    }

    // MARK: unguarded optional signals

    /// Warns once per signal for each read of an optional signal that no earlier
    /// `has` in an enclosing `and` (or negated `has` in an enclosing `or`) guards.
    mutating func warnUnguardedOptionals(_ condition: TypedExpr) {
        var reported = Set<Signal>()
        var findings: [(Signal, Span)] = []
        OptionalGuards.walk(condition, guarded: [], findings: &findings)
        for (signal, span) in findings where reported.insert(signal).inserted {
            let member = signal.info.name.split(separator: ".").last.map(String.init) ?? signal.info.name
            let base = signal.info.name.split(separator: ".").dropLast().joined(separator: ".")
            report(.unguardedOptional, "`\(signal.info.name)` is read without a `has` guard", at: span,
                   help: "it may be absent, and then the policy errs (fails closed); write `\(base) has \(member) and …` first")
        }
    }
}

/// Tracks which optional signals a `has` has already proven present.
enum OptionalGuards {
    static func walk(_ e: TypedExpr, guarded: Set<Signal>, findings: inout [(Signal, Span)]) {
        switch e.kind {
        case .signal(let signal):
            if signal.info.optional, !guarded.contains(signal) { findings.append((signal, e.span)) }
        case .and(let operands):
            var current = guarded
            for operand in operands {
                walk(operand, guarded: current, findings: &findings)
                current.formUnion(proven(operand))
            }
        case .or(let operands):
            var current = guarded
            for operand in operands {
                walk(operand, guarded: current, findings: &findings)
                current.formUnion(provenAbsentOtherwise(operand))
            }
        case .not(let inner):
            walk(inner, guarded: guarded, findings: &findings)
        case .compare(_, let a, let b), .difference(let a, let b):
            walk(a, guarded: guarded, findings: &findings)
            walk(b, guarded: guarded, findings: &findings)
        case .member(let a, let b, _):
            walk(a, guarded: guarded, findings: &findings)
            walk(b, guarded: guarded, findings: &findings)
        case .inNetwork(let a, _, _), .like(let a, _), .matches(let a, _), .inSchedule(let a, _):
            walk(a, guarded: guarded, findings: &findings)
        case .quantified(_, _, let source, let body):
            walk(source, guarded: guarded, findings: &findings)
            walk(body, guarded: guarded, findings: &findings)
        case .constant, .dynamic, .variable, .has:
            break
        }
    }

    /// Signals present whenever `e` is true.
    private static func proven(_ e: TypedExpr) -> Set<Signal> {
        switch e.kind {
        case .has(.signal(let signal)): [signal]
        case .and(let operands): operands.reduce(into: Set()) { $0.formUnion(proven($1)) }
        default: []
        }
    }

    /// Signals present whenever `e` is false (`not (subject has x) or …`).
    private static func provenAbsentOtherwise(_ e: TypedExpr) -> Set<Signal> {
        switch e.kind {
        case .not(let inner): proven(inner)
        case .or(let operands): operands.reduce(into: Set()) { $0.formUnion(provenAbsentOtherwise($1)) }
        default: []
        }
    }
}

/// Folds the constant parts of a checked condition to a boolean when the
/// outcome does not depend on the request.
enum ConstantFolder {
    static func fold(_ e: TypedExpr) -> Bool? {
        switch e.kind {
        case .constant(.bool(let b)): return b
        case .not(let inner): return fold(inner).map { !$0 }
        case .and(let operands):
            let values = operands.map(fold)
            if values.contains(false) { return false }
            return values.allSatisfy { $0 == true } ? true : nil
        case .or(let operands):
            let values = operands.map(fold)
            if values.contains(true) { return true }
            return values.allSatisfy { $0 == false } ? false : nil
        case .compare(let op, let a, let b):
            guard case .constant(let x) = a.kind, case .constant(let y) = b.kind else { return nil }
            return compare(op, x, y)
        case .member(let element, let set, let negated):
            if case .constant(.set(let values, _)) = set.kind, values.isEmpty { return negated }
            guard case .constant(let x) = element.kind, case .constant(.set(let values, _)) = set.kind else { return nil }
            let found = values.contains { member(x, of: $0) }
            return found != negated
        case .inNetwork(let element, let network, let negated):
            guard case .constant(.ip(let ip)) = element.kind else { return nil }
            return contains(network, ip) != negated
        case .like(let subject, let pattern):
            guard case .constant(.string(let s)) = subject.kind else { return nil }
            return Glob.matches(s, pattern: pattern)
        case .quantified(let q, _, let source, _):
            // Over an empty constant set the answer is known without the body.
            guard case .constant(.set(let values, _)) = source.kind, values.isEmpty else { return nil }
            return q == .all
        default:
            return nil
        }
    }

    private static func member(_ x: Value, of y: Value) -> Bool {
        if case .ip(let ip) = x, case .cidr(let network) = y { return contains(network, ip) }
        return x == y
    }

    static func contains(_ network: CIDR, _ ip: IPAddress) -> Bool {
        guard network.address.isV4 == ip.isV4 else { return false }
        let masked = CheckerState.maskedNetwork(CIDR(address: ip, prefix: network.prefix))
        let base = CheckerState.maskedNetwork(network)
        return masked.address.high == base.address.high && masked.address.low == base.address.low
    }

    private static func compare(_ op: CompareOperator, _ x: Value, _ y: Value) -> Bool? {
        switch op {
        case .equal: return x == y
        case .notEqual: return x != y
        default:
            guard let a = rank(x), let b = rank(y) else { return nil }
            switch op {
            case .less: return a < b
            case .lessEqual: return a <= b
            case .greater: return a > b
            default: return a >= b
            }
        }
    }

    private static func rank(_ value: Value) -> Int64? {
        switch value {
        case .int(let i), .duration(let i): i
        case .timeOfDay(let t): Int64(t)
        case .weekday(let d): Int64(d.rawValue)
        case .risk(let r): Int64(r.rawValue)
        default: nil
        }
    }
}

/// The glob of `like`: `*` matches any run (including none), `\*` a literal star.
enum Glob {
    static func matches(_ text: String, pattern: String) -> Bool {
        var tokens: [Character?] = []   // nil = wildcard
        var iterator = pattern.makeIterator()
        while let c = iterator.next() {
            if c == "\\", let next = iterator.next() { tokens.append(next) } else { tokens.append(c == "*" ? nil : c) }
        }
        let chars = Array(text)
        var t = 0, p = 0, starP = -1, starT = 0
        while t < chars.count {
            if p < tokens.count, let token = tokens[p], token == chars[t] {
                t += 1; p += 1
            } else if p < tokens.count, tokens[p] == nil {
                starP = p; starT = t; p += 1
            } else if starP >= 0 {
                p = starP + 1; starT += 1; t = starT
            } else {
                return false
            }
        }
        while p < tokens.count, tokens[p] == nil { p += 1 }
        return p == tokens.count
    }
}

extension TypedExpr {
    /// A structural key: equal for expressions that test the same thing, whatever
    /// their spans. Used to find repeated and subsumed targets.
    var canonicalKey: String {
        switch kind {
        case .constant(let v): "c(\(v.canonicalKey))"
        case .signal(let s): "s(\(s.rawValue))"
        case .dynamic(let root, let name): "d(\(root.rawValue),\(name))"
        case .variable(let slot): "v(\(slot))"
        case .has(.signal(let signal)): "h(\(signal.rawValue))"
        case .has(.dynamic(let root, let name)): "h(\(root.rawValue),\(name))"
        case .not(let e): "not(\(e.canonicalKey))"
        case .and(let list): "and(\(list.map(\.canonicalKey).joined(separator: ",")))"
        case .or(let list): "or(\(list.map(\.canonicalKey).joined(separator: ",")))"
        case .compare(let op, let a, let b): "cmp(\(op.rawValue),\(a.canonicalKey),\(b.canonicalKey))"
        case .member(let a, let b, let negated): "in(\(negated),\(a.canonicalKey),\(b.canonicalKey))"
        case .inNetwork(let a, let n, let negated): "net(\(negated),\(a.canonicalKey),\(Value.cidr(n).canonicalKey))"
        case .like(let a, let p): "like(\(a.canonicalKey),\(p.utf8.count):" + p + ")"
        case .matches(let a, let r): "re(\(a.canonicalKey),\(Value.regex(r).canonicalKey))"
        case .inSchedule(let a, let s): "sched(\(a.canonicalKey),\(Value.schedule(s).canonicalKey))"
        case .quantified(let q, let slot, let s, let b): "q(\(q.rawValue),\(slot),\(s.canonicalKey),\(b.canonicalKey))"
        case .difference(let a, let b): "diff(\(a.canonicalKey),\(b.canonicalKey))"
        }
    }
}

extension Value {
    /// A structural key without reflection (`String(describing:)` is slow).
    var canonicalKey: String {
        switch self {
        case .string(let s): "s\(s.utf8.count):" + s
        case .int(let i): "i\(i)"
        case .bool(let b): b ? "T" : "F"
        case .duration(let d): "d\(d)"
        case .timeOfDay(let t): "t\(t)"
        case .weekday(let d): "w\(d.rawValue)"
        case .risk(let r): "r\(r.rawValue)"
        case .kind(let k): "k\(k.rawValue)"
        case .ip(let ip): "ip\(ip.high):\(ip.low):\(ip.isV4)"
        case .cidr(let c): "net\(c.address.high):\(c.address.low):\(c.address.isV4)/\(c.prefix)"
        case .schedule(let s): "sch\(s.weekdays),\(s.start),\(s.end),\(s.zone.utf8.count):" + s.zone
        case .regex(let r): "re\(r.pattern.utf8.count):" + r.pattern + r.flags
        case .set(let values, let type): "[\(type):" + values.map(\.canonicalKey).joined(separator: ",") + "]"
        }
    }
}
