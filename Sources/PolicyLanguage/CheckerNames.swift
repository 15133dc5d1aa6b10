// Name resolution: `let` bindings, quantifier variables, built-in enum names,
// fixed signals, dynamic attributes and `has` tests.

/// Names the language defines; a `let` or quantifier variable may not reuse them.
enum BuiltinNames {
    /// First components of every signal path, plus `context`.
    static let signalRoots: Set<String> = Set(
        Signal.allCases.map { String($0.info.name.split(separator: ".")[0]) } + ["context"])
    static let enumNames: [String] =
        RiskLevel.allCases.map(\.name) + Weekday.allCases.map(\.name) + SubjectKind.allCases.map(\.name)
    static let signalNames: [String] = Signal.allCases.map(\.info.name)

    /// Built-in constant names; the enums' `name` uses reflection, so look them up once.
    private static let constants: [String: Value] = {
        var table: [String: Value] = [:]
        for level in RiskLevel.allCases { table[level.name] = .risk(level) }
        for day in Weekday.allCases { table[day.name] = .weekday(day) }
        for kind in SubjectKind.allCases { table[kind.name] = .kind(kind) }
        return table
    }()

    static func isReserved(_ name: String) -> Bool {
        signalRoots.contains(name) || constants[name] != nil
    }

    static func constant(named name: String) -> TypedExprKind? {
        constants[name].map { .constant($0) }
    }

    static func type(of value: Value) -> ValueType {
        switch value {
        case .string: .string
        case .int: .int
        case .bool: .bool
        case .duration: .duration
        case .timeOfDay: .timeOfDay
        case .weekday: .weekday
        case .risk: .riskLevel
        case .kind: .subjectKind
        case .ip: .ip
        case .cidr: .cidr
        case .schedule: .schedule
        case .regex: .regex
        case .set(_, let element): .set(element)
        }
    }
}

/// What a dotted path names, before typing.
enum ResolvedPath {
    case typed(TypedExpr)
    case dynamic(DynamicRoot, name: String)
    case failed
}

extension CheckerState {
    // MARK: lets

    mutating func collectLets(_ units: [SourceUnit]) {
        for case .binding(let decl) in units.flatMap(\.items) {
            let name = decl.name.name
            if BuiltinNames.isReserved(name) {
                report(.reservedName, "`\(name)` is a built-in name and cannot be redefined", at: decl.name.span,
                       help: "choose another name for this `let`")
                continue
            }
            if let first = lets[name] {
                report(.duplicateLet, "`\(name)` is already defined", at: decl.name.span,
                       labels: [DiagnosticLabel(span: first.decl.name.span, message: "first defined here")],
                       help: "`let` names are shared by every file of the policy set; rename one of them")
                continue
            }
            lets[name] = LetEntry(decl: decl, index: letOrder.count)
            letOrder.append(name)
        }
    }

    mutating func checkLets() {
        for name in letOrder {
            guard let entry = lets[name] else { continue }
            checkingLetIndex = entry.index
            let typed = expr(entry.decl.value, expecting: nil)
            checkingLetIndex = nil
            if case .constant = typed.kind {
                lets[name]?.value = typed
            } else if typed.type != .error {
                report(.nonConstantLet, "the value of `let \(name)` is not a constant", at: entry.decl.value.span,
                       help: "a `let` names a literal, set, schedule or another `let`; write conditions in `when`")
                lets[name]?.value = TypedExpr(.constant(.bool(false)), type: .error, span: entry.decl.value.span)
            } else {
                lets[name]?.value = typed
            }
        }
    }

    mutating func reportUnusedLets() {
        for name in letOrder {
            guard let entry = lets[name], !entry.used else { continue }
            report(.unusedLet, "`let \(name)` is never used", at: entry.decl.name.span,
                   help: "remove it, or use it in a policy")
        }
    }

    /// The value of a `let` at a use site, or nil when the name is no visible `let`.
    private mutating func letValue(_ identifier: Identifier) -> TypedExpr? {
        guard let entry = lets[identifier.name] else { return nil }
        if let current = checkingLetIndex, entry.index >= current {
            let message = entry.index == current
                ? "`let \(identifier.name)` refers to itself"
                : "`\(identifier.name)` is used before its definition"
            report(.letUsedBeforeDefinition, message, at: identifier.span,
                   labels: [DiagnosticLabel(span: entry.decl.name.span, message: "defined here")],
                   help: "a `let` may only name lets defined before it (earlier in the file, or in an earlier file)")
            return TypedExpr(.constant(.bool(false)), type: .error, span: identifier.span)
        }
        lets[identifier.name]?.used = true
        guard var value = entry.value else {
            return TypedExpr(.constant(.bool(false)), type: .error, span: identifier.span)
        }
        value.span = identifier.span
        return value
    }

    // MARK: paths

    mutating func resolve(path: [Identifier], span: Span) -> ResolvedPath {
        guard let first = path.first else { return .failed }
        if path.count == 1 { return resolve(single: first) }
        let dotted = path.map(\.name).joined(separator: ".")
        if let signal = Signal.named(dotted) {
            return .typed(TypedExpr(.signal(signal), type: signal.info.type, span: span))
        }
        if let root = dynamicRoot(of: path) {
            let memberCount = path.count - (root == .context ? 1 : 2)
            guard memberCount == 1, let member = path.last else {
                report(.invalidDynamicPath, "`\(dotted)` is not an attribute path", at: span,
                       help: "name exactly one member: `\(root.prefix).NAME`")
                return .failed
            }
            return .dynamic(root, name: member.name)
        }
        if variables.contains(where: { $0.name == first.name }) {
            report(.unknownSignal, "`\(first.name)` is a set element and has no member `\(path[1].name)`",
                   at: span, help: "quantifier variables are plain values")
            return .failed
        }
        let candidates = BuiltinNames.signalNames + ["subject.attributes.\(path.last?.name ?? "")",
                                                     "context.\(path.last?.name ?? "")"]
        report(.unknownSignal, "unknown signal `\(dotted)`", at: span,
               help: EditDistance.help(for: dotted, among: candidates)
                   ?? "see `agate signals` for the signals a policy can read")
        return .failed
    }

    private mutating func resolve(single identifier: Identifier) -> ResolvedPath {
        let name = identifier.name
        if let slot = variables.lastIndex(where: { $0.name == name }) {
            return .typed(TypedExpr(.variable(slot: slot), type: variables[slot].type, span: identifier.span))
        }
        if let value = letValue(identifier) { return .typed(value) }
        if let constant = BuiltinNames.constant(named: name), case .constant(let value) = constant {
            return .typed(TypedExpr(constant, type: BuiltinNames.type(of: value), span: identifier.span))
        }
        if let signal = Signal.named(name) {
            return .typed(TypedExpr(.signal(signal), type: signal.info.type, span: identifier.span))
        }
        if BuiltinNames.signalRoots.contains(name) {
            let help = name == "context"
                ? "read a member: `context.NAME`, or test one: `context has NAME`"
                : "read one of its signals, e.g. `\(BuiltinNames.signalNames.first { $0.hasPrefix(name + ".") } ?? name)`"
            report(.notAValue, "`\(name)` is not a value", at: identifier.span, help: help)
            return .failed
        }
        let candidates = variables.map(\.name) + visibleLetNames() + BuiltinNames.enumNames
            + BuiltinNames.signalNames.filter { !$0.contains(".") }
        report(.unknownName, "unknown name `\(name)`", at: identifier.span,
               help: EditDistance.help(for: name, among: candidates))
        return .failed
    }

    private func visibleLetNames() -> [String] {
        guard let current = checkingLetIndex else { return letOrder }
        return Array(letOrder.prefix(current))
    }

    /// `subject.attributes.…` or `context.…`, recognised by syntax alone: variables
    /// and lets cannot be named `subject` or `context`.
    func dynamicRoot(of path: [Identifier]) -> DynamicRoot? {
        guard let first = path.first else { return nil }
        if first.name == "context" { return .context }
        if first.name == "subject", path.count >= 2, path[1].name == "attributes" { return .subjectAttributes }
        return nil
    }

    // MARK: has

    mutating func checkHas(base: Expr, member: Identifier, span: Span) -> TypedExpr {
        let failed = TypedExpr(.constant(.bool(false)), type: .error, span: span)
        guard case .path(let path) = base.stripped.kind else {
            if case .error = base.kind { return failed }
            report(.invalidHas, "`has` cannot be asked of `\(text(base.span))`", at: base.span,
                   help: "ask a record: `subject has blueprint`, `subject.attributes has NAME`, `context has NAME`")
            return failed
        }
        let baseName = path.map(\.name).joined(separator: ".")
        if baseName == "context" {
            return TypedExpr(.has(.dynamic(.context, name: member.name)), type: .bool, span: span)
        }
        if baseName == "subject.attributes" {
            return TypedExpr(.has(.dynamic(.subjectAttributes, name: member.name)), type: .bool, span: span)
        }
        let dotted = baseName + "." + member.name
        if let signal = Signal.named(dotted) {
            guard signal.info.optional else {
                report(.invalidHas, "`\(dotted)` is always present", at: span,
                       help: "remove the `has` test; only optional signals can be absent")
                return failed
            }
            return TypedExpr(.has(.signal(signal)), type: .bool, span: span)
        }
        guard BuiltinNames.signalRoots.contains(baseName) || Signal.allCases.contains(where: {
            $0.info.name.hasPrefix(baseName + ".")
        }) else {
            report(.invalidHas, "`has` cannot be asked of `\(baseName)`", at: base.span,
                   help: "ask a record: `subject has blueprint`, `subject.attributes has NAME`, `context has NAME`")
            return failed
        }
        let optional = Signal.allCases.filter(\.info.optional).map(\.info.name)
        report(.unknownSignal, "unknown signal `\(dotted)`", at: span,
               help: EditDistance.help(for: dotted, among: optional))
        return failed
    }
}

extension Expr {
    /// The expression without enclosing parentheses.
    var stripped: Expr {
        var current = self
        while case .parenthesized(let inner) = current.kind { current = inner }
        return current
    }
}
