// The checker's output and the compiler's input: names resolved, `let`s
// inlined, literals validated and typed. A `CheckedPolicySet` is only built
// when there are no errors, so the compiler may assume everything here is
// well-formed and well-typed.

/// A constant value of the language.
public indirect enum Value: Hashable, Sendable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case duration(Int64)
    case timeOfDay(Int32)
    case weekday(Weekday)
    case risk(RiskLevel)
    case kind(SubjectKind)
    case ip(IPAddress)
    case cidr(CIDR)
    case schedule(Schedule)
    case regex(RegexLiteral)
    /// Elements are distinct and of `elementType`, in source order.
    case set([Value], elementType: ValueType)
}

/// A weekly window `[start, end)` on the given ISO weekdays, in an IANA zone.
/// `end` may be 86400 (`24:00`). A window with `end <= start` is rejected by the checker.
public struct Schedule: Hashable, Sendable {
    /// Bit `d` set for ISO weekday `d` (1 = Monday … 7 = Sunday).
    public var weekdays: UInt8
    public var start: Int32
    public var end: Int32
    /// Validated to exist in the system's time-zone database.
    public var zone: String
    public init(weekdays: UInt8, start: Int32, end: Int32, zone: String) {
        self.weekdays = weekdays
        self.start = start
        self.end = end
        self.zone = zone
    }
}

/// A regex as written; the checker has compiled it once with PCRE2 to validate it.
/// Flags: `i` caseless, `m` multiline, `s` dotall, `x` extended.
public struct RegexLiteral: Hashable, Sendable {
    public var pattern: String
    public var flags: String
    public init(pattern: String, flags: String) {
        self.pattern = pattern
        self.flags = flags
    }
}

public enum CompareOperator: String, Sendable, CaseIterable {
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
}

/// A checked expression: what it does, its type and where it came from.
public struct TypedExpr: Sendable {
    public var kind: TypedExprKind
    public var type: ValueType
    public var span: Span
    public init(_ kind: TypedExprKind, type: ValueType, span: Span) {
        self.kind = kind
        self.type = type
        self.span = span
    }
}

public indirect enum TypedExprKind: Sendable {
    case constant(Value)
    /// Reads a fixed signal. Reading an absent optional signal is a runtime error.
    case signal(Signal)
    /// Reads `subject.attributes.NAME` / `context.NAME` expecting `type`; absent or
    /// of another type at run time is an error.
    case dynamic(DynamicRoot, name: String)
    /// The element bound by the quantifier with this slot (0 = outermost).
    case variable(slot: Int)
    /// Presence test; never errs.
    case has(HasTarget)
    case not(TypedExpr)
    case and([TypedExpr])
    case or([TypedExpr])
    /// Both sides have the same type; ordering operators only on int, duration,
    /// time of day, risk level, timestamp (and weekday).
    case compare(CompareOperator, TypedExpr, TypedExpr)
    /// `element in set` (negated for `not in`). The set is a constant or a
    /// request set; an `ip` element against a set of `cidr` means containment.
    case member(element: TypedExpr, set: TypedExpr, negated: Bool)
    /// `ip in 10.0.0.0/8` against a single network.
    case inNetwork(TypedExpr, CIDR, negated: Bool)
    /// Glob match: `*` matches any run of characters (including none); `\*` is a literal star.
    case like(TypedExpr, pattern: String)
    case matches(TypedExpr, RegexLiteral)
    /// `time in schedule`
    case inSchedule(TypedExpr, Schedule)
    /// `any`/`all` over a set; the body sees the element as `variable(slot)`.
    case quantified(Quantifier, slot: Int, source: TypedExpr, body: TypedExpr)
    /// `timestamp - timestamp`, a duration in seconds.
    case difference(TypedExpr, TypedExpr)
}

/// The merged controls one `allow` or `limit` contributes.
public struct Controls: Hashable, Sendable {
    /// Ceiling on token lifetime, seconds.
    public var tokenLifetime: Int64?
    /// Ceiling on scopes: granted = requested ∩ this.
    public var scopes: [String]?
    public var require: [String]
    public init(tokenLifetime: Int64? = nil, scopes: [String]? = nil, require: [String] = []) {
        self.tokenLifetime = tokenLifetime
        self.scopes = scopes
        self.require = require
    }
}

public enum CheckedEffect: Sendable {
    case allow(Controls)
    case deny(reason: String)
    case limit(Controls)
}

public struct CheckedPolicy: Sendable {
    public var name: String
    public var description: String?
    public var mode: PolicyMode
    /// Conjunction of every `target` clause, in source order (empty = all requests).
    public var targets: [TypedExpr]
    /// The `when` clauses, conjoined (nil = always).
    public var condition: TypedExpr?
    public var effect: CheckedEffect
    /// The whole policy declaration.
    public var span: Span
    public init(name: String, description: String?, mode: PolicyMode, targets: [TypedExpr],
                condition: TypedExpr?, effect: CheckedEffect, span: Span) {
        self.name = name
        self.description = description
        self.mode = mode
        self.targets = targets
        self.condition = condition
        self.effect = effect
        self.span = span
    }
}

/// A whole checked policy set, ready to compile.
public struct CheckedPolicySet: Sendable {
    public var name: String
    public var defaultDecision: DecisionKeyword
    /// In a deterministic order: by file (sorted by path), then source order.
    public var policies: [CheckedPolicy]
    public var sources: SourceSet
    public init(name: String, defaultDecision: DecisionKeyword, policies: [CheckedPolicy], sources: SourceSet) {
        self.name = name
        self.defaultDecision = defaultDecision
        self.policies = policies
        self.sources = sources
    }
}
