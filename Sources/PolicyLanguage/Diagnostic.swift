/// How bad a finding is. Errors stop compilation; warnings fail `lint --strict`;
/// notes are information for reviewers.
public enum Severity: String, Sendable, Comparable {
    case error, warning, note

    private var rank: Int { self == .error ? 2 : self == .warning ? 1 : 0 }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// A stable diagnostic identity (`E0101`, `W0301`). Tests and CI tools match the
/// id, never the prose. Each stage declares its own codes in an extension
/// (`LexerDiagnostics.swift`, `CheckerDiagnostics.swift`, …) and registers
/// them in `DiagnosticCode.catalogue`.
public struct DiagnosticCode: Hashable, Sendable {
    public let id: String
    public let severity: Severity
    /// A short kebab-case name, used as the SARIF rule name.
    public let name: String
    /// One sentence describing the rule, for SARIF and `agate lint --explain`.
    public let summary: String

    public init(_ id: String, _ severity: Severity, _ name: String, _ summary: String) {
        self.id = id
        self.severity = severity
        self.name = name
        self.summary = summary
    }

    public static func == (a: DiagnosticCode, b: DiagnosticCode) -> Bool { a.id == b.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}

/// A secondary span with its own short message ("first defined here").
public struct DiagnosticLabel: Sendable, Equatable {
    public var span: Span
    public var message: String
    public init(span: Span, message: String) {
        self.span = span
        self.message = message
    }
}

/// One finding: a code, a one-line message (lowercase start, no final period,
/// user input in backticks), a primary span, optional labels and help.
public struct Diagnostic: Sendable, Equatable {
    public var code: DiagnosticCode
    public var message: String
    public var span: Span
    public var labels: [DiagnosticLabel]
    public var help: String?

    public var severity: Severity { code.severity }

    public init(_ code: DiagnosticCode, _ message: String, at span: Span,
                labels: [DiagnosticLabel] = [], help: String? = nil) {
        self.code = code
        self.message = message
        self.span = span
        self.labels = labels
        self.help = help
    }
}
