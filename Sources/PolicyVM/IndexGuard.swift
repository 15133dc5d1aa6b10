import PolicyLanguage

/// A necessary condition of a policy that the index can test with one table
/// lookup: when it fails for a request, the policy can neither match nor err,
/// so it need not run.
///
/// A guard comes from a target (where an absent optional signal makes the
/// target false) or from the first conjunct of `when` (evaluated first and
/// short-circuiting, so a false first conjunct means "not matched"; there an
/// absent optional signal is an error, so the guard must let it through).
struct IndexGuard {
    /// The unknown-string case: a request string the policies never mention
    /// cannot equal a constant (`no`), but may still satisfy `like` (`maybe`).
    enum Unknown { case no, yes, maybe }

    enum Test {
        /// A test of one scalar signal keyed by symbol id or small enum value.
        case key(slot: Int, listed: Set<Int64>, listedAccept: Bool, otherAccept: Bool, unknown: Unknown,
                 absentAccept: Bool)
        /// `location.ip` in one of these networks.
        case network([CIDR])
    }

    var test: Test
    /// How `agate disasm` shows a pattern guard (`subject.blueprint like "ro-*"`).
    var label: String?
    /// Lower is more selective (an estimate of the share of requests let through).
    var score: Double
    /// The policy's target (an index into its `targets`) that this guard
    /// decides exactly: for a candidate it is known to hold, so the VM may
    /// start after its code. Nil for a pattern (`like`) or a `when` conjunct.
    var decidedTarget: Int?
    /// This guard is the condition's first conjunct (as compiled, folded)
    /// and decides it exactly: a candidate may start after it too.
    var decidesFirstConjunct = false

    /// Scalar signals the index can key on, with the size of their value
    /// domain (0 = strings, keyed by symbol id).
    static let slots: [(signal: Signal, domain: Int)] = [
        (.subjectID, 0), (.subjectBlueprint, 0), (.audience, 0), (.subjectSponsor, 0), (.locationCountry, 0),
        (.delegationOrigin, 0), (.subjectKind, SubjectKind.allCases.count), (.riskLevel, RiskLevel.allCases.count),
        (.subjectRisk, RiskLevel.allCases.count),
    ]

    /// The guard of one target, or of the first conjunct of the condition.
    static func of(_ e: TypedExpr, inTarget: Bool, symbols: SymbolTable) -> IndexGuard? {
        switch e.kind {
        case .not(let inner):
            return of(inner, inTarget: inTarget, symbols: symbols).flatMap { $0.negated(inTarget: inTarget) }
        case .compare(let op, let lhs, let rhs) where op == .equal || op == .notEqual:
            let (signal, constant) = signalAndConstant(lhs, rhs)
            guard let signal, let constant, let keys = keys(constant, symbols) else { return nil }
            return keyed(signal, keys, negated: op == .notEqual, inTarget: inTarget)
        case .member(let element, let set, let negated):
            guard case .signal(let signal) = element.kind, case .constant(let value) = set.kind else { return nil }
            if signal == .locationIP {
                guard !negated, case .set(let items, _) = value else { return nil }
                let networks = items.compactMap { item -> CIDR? in if case .cidr(let c) = item { c } else { nil } }
                return networks.count == items.count ? IndexGuard(test: .network(networks), label: nil, score: 0.05) : nil
            }
            guard let keys = keys(value, symbols) else { return nil }
            return keyed(signal, keys, negated: negated, inTarget: inTarget)
        case .inNetwork(let value, let cidr, let negated):
            guard !negated, case .signal(.locationIP) = value.kind else { return nil }
            return IndexGuard(test: .network([cidr]), label: nil, score: 0.05)
        case .like(let value, let pattern):
            guard case .signal(let signal) = value.kind,
                  let slot = slots.firstIndex(where: { $0.signal == signal }), slots[slot].domain == 0 else { return nil }
            let glob = Glob(pattern)
            var listed: Set<Int64> = []
            for id in 0..<Int32(symbols.count) {
                let text = Array(symbols.text(id).utf8)
                if text.withUnsafeBufferPointer({ glob.matches($0) }) { listed.insert(Int64(id)) }
            }
            return IndexGuard(test: .key(slot: slot, listed: listed, listedAccept: true, otherAccept: false,
                                         unknown: .maybe, absentAccept: !inTarget && signal.info.optional),
                              label: "\(signal.info.name) like \(Disassembler.quote(pattern))",
                              score: 0.3)
        default:
            return nil
        }
    }

    /// `not G`: the listed keys, other keys and known-unknown strings flip; a
    /// `maybe` stays a maybe; absence keeps its meaning (false in a target, an
    /// error in `when`).
    func negated(inTarget: Bool) -> IndexGuard? {
        guard case .key(let slot, let listed, let listedAccept, let otherAccept, let unknown, let absent) = test else {
            return nil
        }
        let flipped: Unknown = unknown == .maybe ? .maybe : unknown == .yes ? .no : .yes
        return IndexGuard(test: .key(slot: slot, listed: listed, listedAccept: !listedAccept, otherAccept: !otherAccept,
                                     unknown: flipped, absentAccept: absent),
                          label: label.map { "not (" + $0 + ")" }, score: 1.0 - score)
    }

    private static func keyed(_ signal: Signal, _ keys: Set<Int64>, negated: Bool, inTarget: Bool) -> IndexGuard? {
        guard let slot = slots.firstIndex(where: { $0.signal == signal }) else { return nil }
        let domain = slots[slot].domain
        // Positive tests on strings are the most selective; earlier slots win ties.
        var score = domain == 0 ? 0.001 * Double(keys.count) + 0.0001 * Double(slot)
            : Double(keys.count) / Double(domain)
        score = min(score, 0.95)
        let positive = IndexGuard(test: .key(slot: slot, listed: keys, listedAccept: true, otherAccept: false,
                                             unknown: .no, absentAccept: !inTarget && signal.info.optional),
                                  label: nil, score: score)
        return negated ? positive.negated(inTarget: inTarget) : positive
    }

    private static func signalAndConstant(_ lhs: TypedExpr, _ rhs: TypedExpr) -> (Signal?, Value?) {
        if case .signal(let s) = lhs.kind, case .constant(let v) = rhs.kind { return (s, v) }
        if case .signal(let s) = rhs.kind, case .constant(let v) = lhs.kind { return (s, v) }
        return (nil, nil)
    }

    /// The index keys of a constant (a string's symbol id, an enum's raw value), or nil.
    private static func keys(_ value: Value, _ symbols: SymbolTable) -> Set<Int64>? {
        switch value {
        case .string(let s): return symbols.id(of: s).map { [Int64($0)] }
        case .kind(let k): return [Int64(k.rawValue)]
        case .risk(let r): return [Int64(r.rawValue)]
        case .set(let items, _):
            var all: Set<Int64> = []
            for item in items {
                guard let keys = keys(item, symbols) else { return nil }
                all.formUnion(keys)
            }
            return all
        default: return nil
        }
    }

    /// Whether a request value passes: `key` is the symbol id or enum value,
    /// -1 for a string the policies never mention.
    func accepts(key: Int64) -> Bool {
        guard case .key(_, let listed, let listedAccept, let otherAccept, let unknown, _) = test else { return true }
        if key == -1 { return unknown != .no }
        return listed.contains(key) ? listedAccept : otherAccept
    }

    /// The keyed slot this guard tests (nil: a network guard).
    var slot: Int? { if case .key(let slot, _, _, _, _, _) = test { slot } else { nil } }
    /// The keys it names (empty for a network guard).
    var listed: Set<Int64> { if case .key(_, let listed, _, _, _, _) = test { listed } else { [] } }
    /// Whether an absent signal passes.
    var acceptsAbsent: Bool { if case .key(_, _, _, _, _, let absent) = test { absent } else { true } }
    /// Whether a key it does not name passes.
    var acceptsOther: Bool { if case .key(_, _, _, let otherAccept, _, _) = test { otherAccept } else { true } }

    /// Whether a decoded request passes (for explanations; the index itself
    /// answers from its tables).
    func passes(_ frame: Frame) -> Bool {
        switch test {
        case .key(let slot, _, _, _, _, _):
            let signal = IndexGuard.slots[slot].signal
            guard frame.isPresent(signal) else { return acceptsAbsent }
            return accepts(key: max(-1, frame.signals[Int(signal.rawValue)].a))
        case .network(let cidrs):
            let ip = frame.signals[Int(Signal.locationIP.rawValue)]
            return cidrs.contains { Network($0).contains(high: UInt64(bitPattern: ip.a), low: UInt64(bitPattern: ip.b)) }
        }
    }

    /// The guard a policy is filed under in the list layout: its most
    /// selective target, or the first conjunct of its condition; nil when
    /// nothing prunes (it always runs).
    static func best(for policy: CheckedPolicy, symbols: SymbolTable) -> IndexGuard? {
        all(for: policy, symbols: symbols).filter { $0.score < 1 }.min { $0.score < $1.score }
    }

    /// Every guard of a policy: one per target the index can test, then the
    /// first conjunct of its condition. All are necessary, so the bitset
    /// layout runs a policy only when every one lets the request through.
    static func all(for policy: CheckedPolicy, symbols: SymbolTable) -> [IndexGuard] {
        var options: [IndexGuard] = []
        // A keyed test on a present value is decided by the key alone; an
        // absent value fails both a target (its `HAS`) and its guard.
        func exact(_ g: IndexGuard) -> Bool {
            if case .key(_, _, _, _, let unknown, _) = g.test { unknown != .maybe && !g.acceptsAbsent } else { false }
        }
        for (i, target) in policy.targets.enumerated() {
            guard var g = of(target, inTarget: true, symbols: symbols) else { continue }
            if exact(g) { g.decidedTarget = i }
            options.append(g)
        }
        if let condition = policy.condition {
            // The compiler's folded form, so that the first conjunct is the one it compiles first.
            let folded = Folder.fold(condition)
            let first: TypedExpr
            if case .and(let items) = folded.kind, let head = items.first { first = head } else { first = folded }
            if var g = of(first, inTarget: false, symbols: symbols) {
                // In `when`, an absent optional signal is an error the guard lets through: never exact there.
                g.decidesFirstConjunct = exact(g)
                options.append(g)
            }
        }
        return options
    }
}
