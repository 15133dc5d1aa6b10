import PolicyLanguage

/// Constant folding and dead-branch removal on checked expressions.
///
/// Folding must not change which errors happen: in `X and false` X still runs
/// (it may err), so only the operands *after* a deciding constant are dropped.
enum Folder {
    static func fold(_ e: TypedExpr) -> TypedExpr {
        switch e.kind {
        case .not(let inner):
            let x = fold(inner)
            if case .constant(.bool(let b)) = x.kind { return bool(!b, e.span) }
            return TypedExpr(.not(x), type: e.type, span: e.span)
        case .and(let items): return junction(items, decisive: false, span: e.span, make: TypedExprKind.and)
        case .or(let items): return junction(items, decisive: true, span: e.span, make: TypedExprKind.or)
        case .compare(let op, let lhs, let rhs):
            let a = fold(lhs), b = fold(rhs)
            if case .constant(let x) = a.kind, case .constant(let y) = b.kind, let result = compare(op, x, y) {
                return bool(result, e.span)
            }
            return TypedExpr(.compare(op, a, b), type: e.type, span: e.span)
        case .member(let element, let set, let negated):
            let a = fold(element), b = fold(set)
            if case .constant(let x) = a.kind, case .constant(.set(let items, _)) = b.kind, isScalar(x) {
                return bool(items.contains(x) != negated, e.span)
            }
            return TypedExpr(.member(element: a, set: b, negated: negated), type: e.type, span: e.span)
        case .like(let value, let pattern):
            let a = fold(value)
            if case .constant(.string(let s)) = a.kind {
                var bytes = Array(s.utf8)
                return bool(bytes.withUnsafeMutableBufferPointer { Glob(pattern).matches(UnsafeBufferPointer($0)) },
                            e.span)
            }
            return TypedExpr(.like(a, pattern: pattern), type: e.type, span: e.span)
        case .matches(let value, let regex):
            return TypedExpr(.matches(fold(value), regex), type: e.type, span: e.span)
        case .inNetwork(let value, let cidr, let negated):
            return TypedExpr(.inNetwork(fold(value), cidr, negated: negated), type: e.type, span: e.span)
        case .inSchedule(let value, let schedule):
            return TypedExpr(.inSchedule(fold(value), schedule), type: e.type, span: e.span)
        case .quantified(let q, let slot, let source, let body):
            let s = fold(source)
            if case .constant(.set(let items, _)) = s.kind, items.isEmpty { return bool(q == .all, e.span) }
            return TypedExpr(.quantified(q, slot: slot, source: s, body: fold(body)), type: e.type, span: e.span)
        case .difference(let lhs, let rhs):
            return TypedExpr(.difference(fold(lhs), fold(rhs)), type: e.type, span: e.span)
        case .constant, .signal, .dynamic, .variable, .has:
            return e
        }
    }

    /// `and` (decisive = false) or `or` (decisive = true): drop neutral
    /// constants, stop after the first decisive one, flatten single operands.
    private static func junction(_ items: [TypedExpr], decisive: Bool, span: Span,
                                 make: ([TypedExpr]) -> TypedExprKind) -> TypedExpr {
        var kept: [TypedExpr] = []
        for item in items {
            let x = fold(item)
            if case .constant(.bool(let b)) = x.kind {
                if b == decisive {
                    kept.append(x)
                    break
                }
                continue
            }
            kept.append(x)
        }
        if kept.isEmpty { return bool(!decisive, span) }
        if kept.count == 1 { return kept[0] }
        return TypedExpr(make(kept), type: .bool, span: span)
    }

    private static func bool(_ b: Bool, _ span: Span) -> TypedExpr {
        TypedExpr(.constant(.bool(b)), type: .bool, span: span)
    }

    private static func isScalar(_ v: Value) -> Bool {
        switch v {
        case .string, .int, .bool, .duration, .timeOfDay, .weekday, .risk, .kind: true
        default: false
        }
    }

    private static func intValue(_ v: Value) -> Int64? {
        switch v {
        case .int(let x), .duration(let x): x
        case .bool(let b): b ? 1 : 0
        case .timeOfDay(let x): Int64(x)
        case .weekday(let d): Int64(d.rawValue)
        case .risk(let r): Int64(r.rawValue)
        case .kind(let k): Int64(k.rawValue)
        default: nil
        }
    }

    static func compare(_ op: CompareOperator, _ x: Value, _ y: Value) -> Bool? {
        if let a = intValue(x), let b = intValue(y) {
            switch op {
            case .equal: return a == b
            case .notEqual: return a != b
            case .less: return a < b
            case .lessEqual: return a <= b
            case .greater: return a > b
            case .greaterEqual: return a >= b
            }
        }
        if case .string(let a) = x, case .string(let b) = y {
            if op == .equal { return a == b }
            if op == .notEqual { return a != b }
        }
        return nil
    }
}
