// The checker: resolves names, types every expression, validates literals and
// enforces the policy rules, turning parsed `SourceUnit`s into a
// `CheckedPolicySet`. It never stops at the first error: a failing
// subexpression gets type `.error`, which unifies with everything, so one run
// reports every independent mistake.

/// Entry point of semantic checking.
public enum Checker {
    /// Checks every unit of one policy set. `policySet` is nil iff an error was reported.
    public static func check(_ units: [SourceUnit], sources: SourceSet) -> (policySet: CheckedPolicySet?, diagnostics: [Diagnostic]) {
        check(units, sources: sources, syntaxErrors: [])
    }

    /// As `check(_:sources:)`, told where the parser already reported errors, so
    /// a policy the parser recovered inside does not also get "missing effect".
    public static func check(_ units: [SourceUnit], sources: SourceSet,
                             syntaxErrors: [Span]) -> (policySet: CheckedPolicySet?, diagnostics: [Diagnostic]) {
        var state = CheckerState(sources: sources, syntaxErrors: syntaxErrors)
        let ordered = units.sorted { $0.file < $1.file }
        let header = state.checkHeader(ordered)
        state.collectLets(ordered)
        state.checkLets()
        let policies = state.checkPolicies(ordered)
        state.reportUnusedLets()
        state.reportShadowedAllows(policies)
        let diagnostics = state.diagnostics.sortedForReading()
        guard !diagnostics.contains(where: { $0.severity == .error }) else { return (nil, diagnostics) }
        let set = CheckedPolicySet(
            name: header.name ?? defaultName(for: sources),
            defaultDecision: header.defaultDecision,
            policies: policies.map(\.checked),
            sources: sources)
        return (set, diagnostics)
    }

    /// The set's name when no `policyset` is written: the file's base name for one
    /// file, else the last folder all files share.
    static func defaultName(for sources: SourceSet) -> String {
        let paths = sources.files.map(\.path)
        guard let first = paths.first else { return "policies" }
        if paths.count == 1 { return baseName(first, dropping: ".agate") }
        var common = directoryComponents(first)
        for path in paths.dropFirst() {
            let parts = directoryComponents(path)
            var length = 0
            while length < min(common.count, parts.count), common[length] == parts[length] { length += 1 }
            common = Array(common.prefix(length))
        }
        return common.last(where: { $0 != "." && $0 != ".." }) ?? "policies"
    }

    private static func directoryComponents(_ path: String) -> [String] {
        Array(path.split(separator: "/", omittingEmptySubsequences: true).dropLast().map(String.init))
    }

    private static func baseName(_ path: String, dropping suffix: String) -> String {
        let last = path.split(separator: "/").last.map(String.init) ?? path
        return last.hasSuffix(suffix) && last.count > suffix.count ? String(last.dropLast(suffix.count)) : last
    }
}

/// A policy while checking: the checked form plus what the set-wide warnings need.
struct PolicyUnderCheck {
    var checked: CheckedPolicy
    var nameSpan: Span
    var effectSpan: Span
    /// Canonical keys of the target clauses, for target-subsumption warnings.
    var targetKeys: Set<String>
}

/// A `let` as collected before checking: declaration order is set-wide
/// (files in SourceSet order, then source order).
struct LetEntry {
    var decl: LetDecl
    var index: Int
    var value: TypedExpr?
    var used = false
}

/// Mutable state of one checker run.
struct CheckerState {
    let sources: SourceSet
    let syntaxErrors: SpanIndex
    var diagnostics: [Diagnostic] = []
    var lets: [String: LetEntry] = [:]
    var letOrder: [String] = []
    /// Set while checking the value of the let with this index: only earlier lets are visible.
    var checkingLetIndex: Int?
    /// Quantifier variables in scope, innermost last; the index is the slot.
    var variables: [(name: String, type: ValueType)] = []

    init(sources: SourceSet, syntaxErrors: [Span]) {
        self.sources = sources
        self.syntaxErrors = SpanIndex(syntaxErrors)
    }

    mutating func report(_ code: DiagnosticCode, _ message: String, at span: Span,
                         labels: [DiagnosticLabel] = [], help: String? = nil) {
        diagnostics.append(Diagnostic(code, message, at: span, labels: labels, help: help))
    }

    /// The source text a span covers, for quoting user input in messages.
    func text(_ span: Span) -> String {
        guard Int(span.file.raw) < sources.files.count else { return "" }
        return sources[span.file].text(of: span)
    }

    func hasSyntaxError(within span: Span) -> Bool {
        syntaxErrors.hasStart(within: span)
    }
}

/// The set-level header: `policyset` name and `default` decision.
struct PolicySetHeader {
    var name: String?
    var defaultDecision: DecisionKeyword = .deny
}

extension CheckerState {
    mutating func checkHeader(_ units: [SourceUnit]) -> PolicySetHeader {
        var header = PolicySetHeader()
        var firstName: StringLiteral?
        var firstDefault: Span?
        for item in units.flatMap(\.items) {
            switch item {
            case .policySet(let name, _):
                if let first = firstName {
                    if first.value != name.value {
                        report(.conflictingPolicySetName,
                               "policy set is named both `\(first.value)` and `\(name.value)`",
                               at: name.span, labels: [DiagnosticLabel(span: first.span, message: "first named here")],
                               help: "every file of a policy set must declare the same `policyset` name, or none")
                    }
                } else {
                    firstName = name
                    header.name = name.value
                }
            case .defaultDecision(let decision, let span):
                if let first = firstDefault {
                    report(.duplicateDefault, "`default` is declared more than once", at: span,
                           labels: [DiagnosticLabel(span: first, message: "first declared here")],
                           help: "keep one `default` for the whole policy set")
                } else {
                    firstDefault = span
                    header.defaultDecision = decision
                }
            case .binding, .policy:
                break
            }
        }
        return header
    }
}
