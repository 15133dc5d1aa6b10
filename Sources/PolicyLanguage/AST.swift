// The syntax tree the parser produces and the checker reads. Every node carries
// the span of the source it came from; nothing here is resolved or typed yet
// (names are just identifiers; `low`, `mon`, `agent` are resolved by the checker).

/// A name as written, with its span.
public struct Identifier: Hashable, Sendable {
    public var name: String
    public var span: Span
    public init(_ name: String, span: Span) {
        self.name = name
        self.span = span
    }
}

/// A string literal after escape processing, with the span of the quoted source.
public struct StringLiteral: Hashable, Sendable {
    public var value: String
    public var span: Span
    public init(_ value: String, span: Span) {
        self.value = value
        self.span = span
    }
}

/// One parsed `.agate` file.
public struct SourceUnit: Sendable {
    public var file: FileID
    public var items: [Item]
    public init(file: FileID, items: [Item]) {
        self.file = file
        self.items = items
    }
}

/// A top-level declaration.
public enum Item: Sendable {
    /// `policyset "name"`
    case policySet(name: StringLiteral, span: Span)
    /// `default deny` / `default allow`
    case defaultDecision(DecisionKeyword, span: Span)
    /// `let name = expr`
    case binding(LetDecl)
    case policy(PolicyDecl)

    public var span: Span {
        switch self {
        case .policySet(_, let span), .defaultDecision(_, let span): span
        case .binding(let decl): decl.span
        case .policy(let decl): decl.span
        }
    }
}

public enum DecisionKeyword: String, Sendable { case allow, deny }

public struct LetDecl: Sendable {
    public var name: Identifier
    public var value: Expr
    public var span: Span
    public init(name: Identifier, value: Expr, span: Span) {
        self.name = name
        self.value = value
        self.span = span
    }
}

/// `enforce` (the default when omitted), `report_only`, `disabled`.
public enum PolicyMode: String, Sendable, CaseIterable {
    case enforce
    case reportOnly = "report_only"
    case disabled
}

public struct PolicyDecl: Sendable {
    public var name: Identifier
    /// nil when the mode was not written (then it is `enforce`).
    public var mode: PolicyMode?
    public var modeSpan: Span?
    public var clauses: [PolicyClause]
    public var span: Span
    public init(name: Identifier, mode: PolicyMode?, modeSpan: Span?, clauses: [PolicyClause], span: Span) {
        self.name = name
        self.mode = mode
        self.modeSpan = modeSpan
        self.clauses = clauses
        self.span = span
    }
}

/// One line of a policy body. The parser accepts them in any order and any
/// number; the checker enforces "at most one description, exactly one effect".
public enum PolicyClause: Sendable {
    case description(StringLiteral, span: Span)
    case target(Expr, span: Span)
    case when(Expr, span: Span)
    /// `allow` with an optional `{ controls }` block.
    case allow(ControlsBlock?, span: Span)
    /// `deny "reason"`; the reason is optional in the syntax, required by the checker.
    /// `controls` are parsed so the checker can say "controls are not allowed in a deny".
    case deny(reason: StringLiteral?, controls: ControlsBlock?, span: Span)
    case limit(ControlsBlock, span: Span)

    public var span: Span {
        switch self {
        case .description(_, let s), .target(_, let s), .when(_, let s),
             .allow(_, let s), .deny(_, _, let s), .limit(_, let s): s
        }
    }
}

public struct ControlsBlock: Sendable {
    public var controls: [Control]
    public var span: Span
    public init(controls: [Control], span: Span) {
        self.controls = controls
        self.span = span
    }
}

/// `token_lifetime 15m`, `scopes ["a", "b"]`, `require "human_approval"`.
/// The name is kept as written so an unknown control gets a diagnostic with a suggestion.
public struct Control: Sendable {
    public var name: Identifier
    public var value: Expr
    public var span: Span
    public init(name: Identifier, value: Expr, span: Span) {
        self.name = name
        self.value = value
        self.span = span
    }
}

public enum BinaryOperator: String, Sendable, CaseIterable {
    case or, and
    case equal = "==", notEqual = "!="
    case less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case `in`, notIn = "not in"
    case like, matches
    case minus = "-"
}

public enum Quantifier: String, Sendable { case any, all }

/// An IPv4 or IPv6 address as 128 bits (IPv4 mapped into `::ffff:0:0/96`).
public struct IPAddress: Hashable, Sendable {
    public var high: UInt64
    public var low: UInt64
    public var isV4: Bool
    public init(high: UInt64, low: UInt64, isV4: Bool) {
        self.high = high
        self.low = low
        self.isV4 = isV4
    }
}

/// A network: address and prefix length (0...32 for IPv4, 0...128 for IPv6,
/// counted on the 128-bit form as `prefix + 96` for IPv4).
public struct CIDR: Hashable, Sendable {
    public var address: IPAddress
    public var prefix: UInt8
    public init(address: IPAddress, prefix: UInt8) {
        self.address = address
        self.prefix = prefix
    }
}

/// `mon..fri`, `sat`: an inclusive run of ISO weekdays as written.
public struct WeekdayRange: Sendable {
    public var first: Identifier
    public var last: Identifier?
    public var span: Span
    public init(first: Identifier, last: Identifier?, span: Span) {
        self.first = first
        self.last = last
        self.span = span
    }
}

/// An expression as written. `indirect` keeps the tree small; the checker turns it
/// into `TypedExpr`.
public indirect enum ExprKind: Sendable {
    /// A dotted name: `subject.kind`, `corp_network`, `low`, `mon`, `s`.
    case path([Identifier])
    case string(String)
    case integer(Int64)
    case boolean(Bool)
    /// Seconds; the lexer has already applied the unit.
    case duration(Int64)
    /// Seconds since midnight, 0..<86400 (or 86400 for `24:00`, only valid as a range end).
    case timeOfDay(Int32)
    case ip(IPAddress)
    case cidr(CIDR)
    /// `/pattern/flags` with the pattern as written between the slashes.
    case regex(pattern: String, flags: String)
    case set([Expr])
    /// `schedule mon..fri 08:00..18:00 "Europe/London"`
    case schedule(days: [WeekdayRange], start: Expr, end: Expr, zone: StringLiteral)
    case not(Expr)
    case binary(BinaryOperator, Expr, Expr)
    /// `subject has blueprint`, `context has ticket`
    case has(Expr, Identifier)
    /// `any s in scopes: s like "*.Write"`
    case quantified(Quantifier, variable: Identifier, source: Expr, body: Expr)
    /// `( expr )`, kept so spans and "redundant parentheses" style tools can see it.
    case parenthesized(Expr)
    /// Left where the parser recovered from an error; the checker stays quiet about it.
    case error
}

public struct Expr: Sendable {
    public var kind: ExprKind
    public var span: Span
    public init(_ kind: ExprKind, span: Span) {
        self.kind = kind
        self.span = span
    }
}
