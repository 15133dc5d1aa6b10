// Policies: clause counts, effects, controls and the indexable shape of targets.

/// The signals a `target` may test; the compiler indexes policies by them.
private let targetSignals: Set<String> = ["subject.id", "subject.kind", "subject.blueprint", "subject.sponsor", "audience"]

/// Controls a block may hold, for suggestions.
private let controlNames = ["token_lifetime", "scopes", "require"]

/// Bounds on `token_lifetime`: one second to one year.
let tokenLifetimeBounds: ClosedRange<Int64> = 1...31_536_000

extension CheckerState {
    mutating func checkPolicies(_ units: [SourceUnit]) -> [PolicyUnderCheck] {
        var result: [PolicyUnderCheck] = []
        var firstByName: [String: Span] = [:]
        for case .policy(let decl) in units.flatMap(\.items) {
            if let first = firstByName[decl.name.name] {
                report(.duplicatePolicy, "policy `\(decl.name.name)` is defined more than once", at: decl.name.span,
                       labels: [DiagnosticLabel(span: first, message: "first defined here")],
                       help: "policy names appear in decision logs and must be unique in the policy set")
            } else {
                firstByName[decl.name.name] = decl.name.span
            }
            result.append(checkPolicy(decl))
        }
        return result
    }

    private mutating func checkPolicy(_ decl: PolicyDecl) -> PolicyUnderCheck {
        let name = decl.name.name
        let recovered = hasSyntaxError(within: decl.span)
        var description: StringLiteral?
        var targets: [TypedExpr] = []
        var targetKeys: [String: Span] = [:]
        var conditions: [TypedExpr] = []
        var effect: (CheckedEffect, Span)?
        for clause in decl.clauses {
            switch clause {
            case .description(let text, let span):
                if let first = description {
                    report(.duplicateDescription, "policy `\(name)` has more than one description", at: span,
                           labels: [DiagnosticLabel(span: first.span, message: "first description")],
                           help: "merge them into one `description`")
                } else {
                    description = text
                }
            case .target(let e, let span):
                let typed = target(e)
                let key = typed.canonicalKey
                if !typed.type.isError, let first = targetKeys[key] {
                    report(.duplicateTarget, "policy `\(name)` repeats a target", at: span,
                           labels: [DiagnosticLabel(span: first, message: "same target here")],
                           help: "remove the repeated `target`")
                } else {
                    targetKeys[key] = span
                }
                targets.append(typed)
            case .when(let e, _):
                let typed = boolean(e, role: "a `when` condition")
                warnIfConstant(typed, clause: e.span)
                conditions.append(typed)
            case .allow, .deny, .limit:
                let checked = checkEffect(clause, policy: name, recovered: recovered)
                if let first = effect {
                    report(.multipleEffects, "policy `\(name)` has more than one effect", at: clause.span,
                           labels: [DiagnosticLabel(span: first.1, message: "first effect here")],
                           help: "a policy has exactly one `allow`, `deny` or `limit`; split it into two policies")
                } else {
                    effect = (checked, clause.span)
                }
            }
        }
        if effect == nil, !recovered {
            report(.missingEffect, "policy `\(name)` has no effect", at: decl.name.span,
                   help: "add `allow`, `deny \"reason\"` or `limit { … }`")
        }
        let mode = decl.mode ?? .enforce
        noteMode(mode, policy: name, at: decl.modeSpan ?? decl.name.span)
        let condition = conjoin(conditions)
        if let condition { warnUnguardedOptionals(condition) }
        let checked = CheckedPolicy(name: name, description: description?.value, mode: mode, targets: targets,
                                    condition: condition, effect: effect?.0 ?? .deny(reason: ""), span: decl.span)
        return PolicyUnderCheck(checked: checked, nameSpan: decl.name.span, effectSpan: effect?.1 ?? decl.name.span,
                                targetKeys: Set(targetKeys.keys))
    }

    private func conjoin(_ conditions: [TypedExpr]) -> TypedExpr? {
        guard conditions.count > 1 else { return conditions.first }
        let span = conditions.dropFirst().reduce(conditions[0].span) { $0.merged(with: $1.span) }
        let failed = conditions.contains { $0.type.isError }
        return TypedExpr(.and(conditions), type: failed ? .error : .bool, span: span)
    }

    private mutating func noteMode(_ mode: PolicyMode, policy: String, at span: Span) {
        switch mode {
        case .enforce: break
        case .reportOnly:
            report(.reportOnlyPolicy, "policy `\(policy)` runs in report_only mode", at: span,
                   help: "its matches are logged as `report_only` and never change a decision")
        case .disabled:
            report(.disabledPolicy, "policy `\(policy)` is disabled", at: span,
                   help: "it is checked but never evaluated; delete it once it is no longer needed")
        }
    }

    // MARK: effects and controls

    private mutating func checkEffect(_ clause: PolicyClause, policy: String, recovered: Bool) -> CheckedEffect {
        switch clause {
        case .allow(let block, _):
            return .allow(block.map { controls($0) } ?? Controls())
        case .limit(let block, let span):
            let merged = controls(block)
            if block.controls.isEmpty {
                report(.emptyControls, "`limit` in policy `\(policy)` adds no controls", at: span,
                       help: "add `token_lifetime`, `scopes` or `require`, or remove the policy")
            }
            return .limit(merged)
        case .deny(let reason, let block, let span):
            if let block {
                report(.controlsInDeny, "a `deny` cannot have controls", at: block.span,
                       help: "controls shape what an `allow` grants; put them in a `limit` policy")
            }
            if reason == nil, !recovered {
                report(.denyWithoutReason, "`deny` in policy `\(policy)` gives no reason", at: span,
                       help: "say why, for the caller and the logs: `deny \"…\"`")
            }
            return .deny(reason: reason?.value ?? "")
        case .description, .target, .when:
            return .deny(reason: "")
        }
    }

    private mutating func controls(_ block: ControlsBlock) -> Controls {
        var result = Controls()
        var seen: [String: Span] = [:]
        for control in block.controls {
            let name = control.name.name
            guard controlNames.contains(name) else {
                report(.unknownControl, "unknown control `\(name)`", at: control.name.span,
                       help: EditDistance.help(for: name, among: controlNames)
                           ?? "controls are `token_lifetime`, `scopes` and `require`")
                _ = expr(control.value, expecting: nil)
                continue
            }
            if let first = seen[name] {
                report(.duplicateControl, "control `\(name)` is given twice", at: control.name.span,
                       labels: [DiagnosticLabel(span: first, message: "first given here")],
                       help: "keep one `\(name)` in this block")
                continue
            }
            seen[name] = control.name.span
            let value = expr(control.value, expecting: name == "token_lifetime" ? .duration : .set(.string))
            guard !value.type.isError else { continue }
            switch name {
            case "token_lifetime": result.tokenLifetime = tokenLifetime(value)
            case "scopes": result.scopes = strings(value, control: name, allowSingle: false)
            default: result.require = strings(value, control: name, allowSingle: true) ?? []
            }
        }
        return result
    }

    private mutating func tokenLifetime(_ value: TypedExpr) -> Int64? {
        guard case .constant(.duration(let seconds)) = value.kind else {
            report(.invalidControlValue, "`token_lifetime` needs a duration, found `\(value.type)`", at: value.span,
                   help: "write a duration such as `15m` or `1h`")
            return nil
        }
        guard tokenLifetimeBounds.contains(seconds) else {
            report(.durationOutOfRange, "token lifetime `\(text(value.span))` is outside 1s … 365d", at: value.span,
                   help: "a token lifetime is at least one second and at most 365 days")
            return nil
        }
        return seconds
    }

    private mutating func strings(_ value: TypedExpr, control: String, allowSingle: Bool) -> [String]? {
        if allowSingle, case .constant(.string(let single)) = value.kind { return [single] }
        if case .constant(.set(let values, let element)) = value.kind, element == .string || values.isEmpty {
            return values.compactMap { if case .string(let s) = $0 { s } else { nil } }
        }
        let wanted = allowSingle ? "a string or a set of strings" : "a set of strings"
        report(.invalidControlValue, "`\(control)` needs \(wanted), found `\(value.type)`", at: value.span,
               help: allowSingle ? "write `\(control) \"human_approval\"` or `\(control) [\"a\", \"b\"]`"
                                 : "write `\(control) [\"Reports.Read\"]`")
        return nil
    }

    // MARK: targets

    private mutating func target(_ e: Expr) -> TypedExpr {
        let typed = boolean(e, role: "a `target`")
        guard !typed.type.isError else { return typed }
        guard isIndexableTarget(e.stripped) else {
            report(.invalidTarget, "`\(text(e.span))` cannot be a target", at: e.span,
                   help: "a target compares `subject.id`, `subject.kind`, `subject.blueprint`, `subject.sponsor` or `audience` with a constant (`==`, `!=`, `in`, `not in`, `like`), or tests `\"group\" in subject.groups`; move it to `when`")
            return errorExpr(e.span)
        }
        return typed
    }

    private func isIndexableTarget(_ e: Expr) -> Bool {
        guard case .binary(let op, let lhs, let rhs) = e.kind else { return false }
        switch op {
        case .equal, .notEqual, .in, .notIn, .like:
            if isTargetSignal(lhs.stripped), isConstant(rhs.stripped) { return true }
            return op == .in && isConstant(lhs.stripped) && pathName(rhs.stripped) == "subject.groups"
        default:
            return false
        }
    }

    private func isTargetSignal(_ e: Expr) -> Bool {
        pathName(e).map(targetSignals.contains) ?? false
    }

    private func pathName(_ e: Expr) -> String? {
        guard case .path(let path) = e.kind else { return nil }
        return path.map(\.name).joined(separator: ".")
    }

    /// A literal, a set of them, or a name that denotes a constant (a `let` or a built-in name).
    private func isConstant(_ e: Expr) -> Bool {
        switch e.kind {
        case .string, .integer, .boolean, .duration, .timeOfDay, .ip, .cidr, .regex, .schedule: true
        case .set(let elements): elements.allSatisfy { isConstant($0.stripped) }
        case .path(let path):
            path.count == 1 && (lets[path[0].name] != nil || BuiltinNames.constant(named: path[0].name) != nil)
        default: false
        }
    }
}
