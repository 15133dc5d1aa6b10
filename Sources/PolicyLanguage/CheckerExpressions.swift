// Typing of expressions. `expecting` carries the type the context wants; it is
// what gives a dynamic attribute (`context.ticket`) its type.

extension ValueType {
    var isError: Bool { self == .error }
    var isOrdered: Bool {
        switch self {
        case .int, .duration, .timeOfDay, .riskLevel, .timestamp, .weekday, .error: true
        default: false
        }
    }
    var isEquatable: Bool {
        switch self {
        case .schedule, .regex, .set: false
        default: true
        }
    }
    /// Same type, or one side already failed.
    func unifies(with other: ValueType) -> Bool { self == other || isError || other.isError }
}

extension CheckerState {
    func errorExpr(_ span: Span) -> TypedExpr { TypedExpr(.constant(.bool(false)), type: .error, span: span) }

    mutating func expr(_ e: Expr, expecting: ValueType?) -> TypedExpr {
        switch e.kind {
        case .error: return errorExpr(e.span)
        case .parenthesized(let inner):
            var typed = expr(inner, expecting: expecting)
            typed.span = e.span
            return typed
        case .path(let path): return pathExpr(path, span: e.span, expecting: expecting)
        case .string(let s): return TypedExpr(.constant(.string(s)), type: .string, span: e.span)
        case .integer(let i): return TypedExpr(.constant(.int(i)), type: .int, span: e.span)
        case .boolean(let b): return TypedExpr(.constant(.bool(b)), type: .bool, span: e.span)
        case .duration(let d): return TypedExpr(.constant(.duration(d)), type: .duration, span: e.span)
        case .timeOfDay(let t): return timeOfDay(t, span: e.span)
        case .ip(let ip): return TypedExpr(.constant(.ip(ip)), type: .ip, span: e.span)
        case .cidr(let cidr): return cidrLiteral(cidr, span: e.span)
        case .regex(let pattern, let flags): return regexLiteral(pattern: pattern, flags: flags, span: e.span)
        case .set(let elements): return setLiteral(elements, span: e.span, expecting: expecting)
        case .schedule(let days, let start, let end, let zone):
            return scheduleLiteral(days: days, start: start, end: end, zone: zone, span: e.span)
        case .not(let operand):
            let typed = boolean(operand, role: "the operand of `not`")
            return TypedExpr(.not(typed), type: typed.type.isError ? .error : .bool, span: e.span)
        case .binary(let op, let lhs, let rhs): return binary(op, lhs, rhs, span: e.span)
        case .has(let base, let member): return checkHas(base: base, member: member, span: e.span)
        case .quantified(let q, let variable, let source, let body):
            return quantified(q, variable: variable, source: source, body: body, span: e.span)
        }
    }

    /// Checks an expression that must be a boolean (conditions, `and`/`or`/`not` operands).
    /// `role` is built only when there is an error to report.
    mutating func boolean(_ e: Expr, role: @autoclosure () -> String) -> TypedExpr {
        let typed = expr(e, expecting: .bool)
        guard typed.type.unifies(with: .bool) else {
            report(.expectedBool, "\(role()) must be a `bool`, found `\(typed.type)`", at: e.span,
                   help: "compare it with something, e.g. `\(text(e.span)) == …`")
            return errorExpr(e.span)
        }
        return typed
    }

    private mutating func pathExpr(_ path: [Identifier], span: Span, expecting: ValueType?) -> TypedExpr {
        switch resolve(path: path, span: span) {
        case .failed: return errorExpr(span)
        case .typed(let typed): return typed
        case .dynamic(let root, let name):
            let dotted = "\(root.prefix).\(name)"
            guard let type = expecting, !type.isError else {
                if expecting == nil {
                    report(.uninferableAttribute, "the type of `\(dotted)` cannot be inferred here", at: span,
                           help: "compare it with a literal (`\(dotted) == \"x\"`) or test it with `in`")
                }
                return errorExpr(span)
            }
            guard DynamicRoot.allowedTypes.contains(type) else {
                report(.invalidAttributeType, "`\(dotted)` is used as `\(type)`, which an attribute cannot hold",
                       at: span, help: "attributes hold a string, int, bool or set of string")
                return errorExpr(span)
            }
            return TypedExpr(.dynamic(root, name: name), type: type, span: span)
        }
    }

    private func isDynamic(_ e: Expr) -> Bool {
        guard case .path(let path) = e.stripped.kind else { return false }
        return dynamicRoot(of: path) != nil
    }

    /// Types both operands, inferring a dynamic attribute from the other side.
    /// `relate` maps the known side's type to the type expected of the other.
    private mutating func pair(_ lhs: Expr, _ rhs: Expr,
                               leftFromRight: (ValueType) -> ValueType?,
                               rightFromLeft: (ValueType) -> ValueType?) -> (TypedExpr, TypedExpr) {
        if isDynamic(lhs), !isDynamic(rhs) {
            let right = expr(rhs, expecting: nil)
            let left = expr(lhs, expecting: right.type.isError ? .error : leftFromRight(right.type))
            return (left, right)
        }
        let left = expr(lhs, expecting: nil)
        let right = expr(rhs, expecting: left.type.isError ? .error : rightFromLeft(left.type))
        return (left, right)
    }

    private mutating func binary(_ op: BinaryOperator, _ lhs: Expr, _ rhs: Expr, span: Span) -> TypedExpr {
        switch op {
        case .and, .or:
            var operands: [TypedExpr] = []
            for operand in flatten(op, lhs) + flatten(op, rhs) {
                operands.append(boolean(operand, role: "an operand of `\(op.rawValue)`"))
            }
            let failed = operands.contains { $0.type.isError }
            return TypedExpr(op == .and ? .and(operands) : .or(operands), type: failed ? .error : .bool, span: span)
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
            return comparison(CompareOperator(rawValue: op.rawValue) ?? .equal, lhs, rhs, span: span)
        case .in, .notIn:
            return membership(lhs, rhs, negated: op == .notIn, span: span)
        case .like:
            return like(lhs, rhs, span: span)
        case .matches:
            return matches(lhs, rhs, span: span)
        case .minus:
            return difference(lhs, rhs, span: span)
        }
    }

    /// `a and b and c` as one n-ary list, whatever way the parser nested it.
    private func flatten(_ op: BinaryOperator, _ e: Expr) -> [Expr] {
        if case .binary(let inner, let l, let r) = e.kind, inner == op { return flatten(op, l) + flatten(op, r) }
        return [e]
    }

    private mutating func comparison(_ op: CompareOperator, _ lhs: Expr, _ rhs: Expr, span: Span) -> TypedExpr {
        let (left, right) = pair(lhs, rhs, leftFromRight: { $0 }, rightFromLeft: { $0 })
        let result = TypedExpr(.compare(op, left, right), type: .bool, span: span)
        guard !left.type.isError, !right.type.isError else { return TypedExpr(result.kind, type: .error, span: span) }
        guard left.type == right.type else {
            report(.typeMismatch, "cannot compare `\(left.type)` with `\(right.type)`", at: span,
                   labels: [DiagnosticLabel(span: left.span, message: "this is `\(left.type)`"),
                            DiagnosticLabel(span: right.span, message: "this is `\(right.type)`")],
                   help: mismatchHelp(left.type, right.type))
            return errorExpr(span)
        }
        let ordering = op != .equal && op != .notEqual
        if ordering ? !left.type.isOrdered : !left.type.isEquatable {
            report(.invalidOperator, "`\(op.rawValue)` cannot compare values of type `\(left.type)`", at: span,
                   help: ordering ? "only int, duration, time of day, weekday, risk level and timestamp are ordered"
                                  : "test membership with `in` instead")
            return errorExpr(span)
        }
        return result
    }

    private func mismatchHelp(_ a: ValueType, _ b: ValueType) -> String? {
        if (a == .ip && b == .cidr) || (a == .cidr && b == .ip) { return "test containment with `in`: `ip in 10.0.0.0/8`" }
        if a == .timestamp || b == .timestamp { return "subtract timestamps to get a duration: `time - subject.created < 7d`" }
        if case .set = b { return "test membership with `in`" }
        return nil
    }

    private mutating func membership(_ lhs: Expr, _ rhs: Expr, negated: Bool, span: Span) -> TypedExpr {
        let (left, right) = pair(lhs, rhs, leftFromRight: { type in
            if case .set(let element) = type { return element }
            return type == .cidr ? .ip : nil
        }, rightFromLeft: { .set($0) })
        if left.type.isError || right.type.isError {
            return TypedExpr(.member(element: left, set: right, negated: negated), type: .error, span: span)
        }
        switch right.type {
        case .set(let element):
            if element == left.type || (left.type == .ip && element == .cidr) {
                return TypedExpr(.member(element: left, set: right, negated: negated), type: .bool, span: span)
            }
            if element.isError, case .constant(.set(let values, _)) = right.kind, values.isEmpty {
                let typedEmpty = TypedExpr(.constant(.set([], elementType: left.type)), type: .set(left.type), span: right.span)
                return TypedExpr(.member(element: left, set: typedEmpty, negated: negated), type: .bool, span: span)
            }
        case .cidr where left.type == .ip:
            if case .constant(.cidr(let network)) = right.kind {
                return TypedExpr(.inNetwork(left, network, negated: negated), type: .bool, span: span)
            }
        case .schedule where left.type == .timestamp:
            if case .constant(.schedule(let schedule)) = right.kind {
                let test = TypedExpr(.inSchedule(left, schedule), type: .bool, span: span)
                return negated ? TypedExpr(.not(test), type: .bool, span: span) : test
            }
        default:
            break
        }
        report(.invalidMembership, "cannot test whether `\(left.type)` is in `\(right.type)`", at: span,
               labels: [DiagnosticLabel(span: left.span, message: "this is `\(left.type)`"),
                        DiagnosticLabel(span: right.span, message: "this is `\(right.type)`")],
               help: membershipHelp(left.type, right.type))
        return errorExpr(span)
    }

    private func membershipHelp(_ element: ValueType, _ container: ValueType) -> String {
        switch container {
        case .schedule: "only `time` can be in a schedule: `time in business_hours`"
        case .cidr: "only an ip can be in a network: `location.ip in 10.0.0.0/8`"
        case .set(let inner): "the set holds `\(inner)`; compare a `\(inner)` with it"
        default: "the right side of `in` must be a set, a network or a schedule"
        }
    }

    private mutating func like(_ lhs: Expr, _ rhs: Expr, span: Span) -> TypedExpr {
        let left = expr(lhs, expecting: .string)
        let right = expr(rhs, expecting: nil)
        guard !left.type.isError, !right.type.isError else { return errorExpr(span) }
        guard left.type == .string else {
            report(.invalidOperator, "`like` needs a `string`, found `\(left.type)`", at: left.span,
                   help: "`like` matches strings against a glob such as `\"readonly-*\"`")
            return errorExpr(span)
        }
        guard case .constant(.string(let pattern)) = right.kind else {
            report(.invalidOperator, "the pattern of `like` must be a string constant", at: right.span,
                   help: "write a glob such as `\"readonly-*\"`")
            return errorExpr(span)
        }
        return TypedExpr(.like(left, pattern: pattern), type: .bool, span: span)
    }

    private mutating func matches(_ lhs: Expr, _ rhs: Expr, span: Span) -> TypedExpr {
        let left = expr(lhs, expecting: .string)
        let right = expr(rhs, expecting: nil)
        guard !left.type.isError, !right.type.isError else { return errorExpr(span) }
        guard left.type == .string else {
            report(.invalidOperator, "`matches` needs a `string`, found `\(left.type)`", at: left.span,
                   help: "`matches` tests strings against a regex such as `/^fin-/`")
            return errorExpr(span)
        }
        guard case .constant(.regex(let regex)) = right.kind else {
            report(.invalidOperator, "the pattern of `matches` must be a regex, found `\(right.type)`", at: right.span,
                   help: "write a regex literal such as `/\\.Write$/i`, or use `like` for a glob")
            return errorExpr(span)
        }
        return TypedExpr(.matches(left, regex), type: .bool, span: span)
    }

    private mutating func difference(_ lhs: Expr, _ rhs: Expr, span: Span) -> TypedExpr {
        let left = expr(lhs, expecting: nil)
        let right = expr(rhs, expecting: nil)
        guard !left.type.isError, !right.type.isError else { return errorExpr(span) }
        guard left.type == .timestamp, right.type == .timestamp else {
            report(.invalidOperator, "`-` subtracts timestamps, found `\(left.type)` - `\(right.type)`", at: span,
                   help: "only `timestamp - timestamp` is defined, giving a duration: `time - subject.created`")
            return errorExpr(span)
        }
        return TypedExpr(.difference(left, right), type: .duration, span: span)
    }

    private mutating func quantified(_ q: Quantifier, variable: Identifier, source: Expr, body: Expr,
                                     span: Span) -> TypedExpr {
        let typedSource = expr(source, expecting: .set(.string))
        var elementType = ValueType.error
        if case .set(let element) = typedSource.type {
            elementType = element
        } else if !typedSource.type.isError {
            report(.invalidQuantifierSource, "`\(q.rawValue)` ranges over a set, found `\(typedSource.type)`",
                   at: source.span, help: "name a set: `\(q.rawValue) s in scopes: …`")
        }
        checkVariableName(variable)
        variables.append((variable.name, elementType))
        let slot = variables.count - 1
        let typedBody = boolean(body, role: "the body of `\(q.rawValue)`")
        variables.removeLast()
        let failed = typedSource.type.isError || elementType.isError || typedBody.type.isError
        return TypedExpr(.quantified(q, slot: slot, source: typedSource, body: typedBody),
                         type: failed ? .error : .bool, span: span)
    }

    private mutating func checkVariableName(_ variable: Identifier) {
        let name = variable.name
        if BuiltinNames.isReserved(name) {
            report(.reservedName, "`\(name)` is a built-in name and cannot name a variable", at: variable.span,
                   help: "choose another name, e.g. `x`")
        } else if variables.contains(where: { $0.name == name }) || lets[name] != nil {
            let what = lets[name] != nil ? "a `let`" : "an enclosing variable"
            report(.shadowedVariable, "`\(name)` already names \(what)", at: variable.span,
                   help: "choose another name so each name means one thing")
        }
    }
}
