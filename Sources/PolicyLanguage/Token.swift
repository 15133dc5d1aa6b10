/// What a token is. Tokens never hold text: a token is a kind plus a byte range
/// into the source file, and the parser slices the bytes when it needs a value.
public enum TokenKind: UInt8, Sendable, CaseIterable {
    // Trivia: kept in the full token stream (for a formatter), skipped by the parser.
    case whitespace, comment

    case identifier

    // Keywords (reserved words).
    case kwPolicyset, kwDefault, kwLet, kwPolicy
    case kwDescription, kwTarget, kwWhen, kwAllow, kwDeny, kwLimit
    case kwEnforce, kwReportOnly, kwDisabled
    case kwAnd, kwOr, kwNot, kwIn, kwLike, kwMatches, kwHas, kwAny, kwAll
    case kwTrue, kwFalse, kwSchedule

    // Literals; their values are decoded from the bytes by `LiteralParsing`.
    case string, integer, duration, timeOfDay, ipv4, ipv6, cidr, regex

    // Operators and punctuation.
    case equalEqual, bangEqual, lessEqual, greaterEqual, less, greater
    case equal, minus, dot, dotDot, comma, colon
    case leftParen, rightParen, leftBracket, rightBracket, leftBrace, rightBrace

    /// A lexical error; `Token.issue` says which and where.
    case error
    case endOfFile

    public var isTrivia: Bool { self == .whitespace || self == .comment }

    public var isKeyword: Bool {
        rawValue >= TokenKind.kwPolicyset.rawValue && rawValue <= TokenKind.kwSchedule.rawValue
    }

    /// Keywords that start a top-level declaration: the parser resynchronises on them.
    public var startsItem: Bool {
        switch self {
        case .kwPolicy, .kwLet, .kwDefault, .kwPolicyset: true
        default: false
        }
    }

    /// Keywords that start a clause inside a policy body.
    public var startsClause: Bool {
        switch self {
        case .kwDescription, .kwTarget, .kwWhen, .kwAllow, .kwDeny, .kwLimit: true
        default: false
        }
    }

    /// How the token is named in a diagnostic ("expected `}`, found a string").
    public var displayName: String {
        switch self {
        case .whitespace: "whitespace"
        case .comment: "a comment"
        case .identifier: "a name"
        case .string: "a string"
        case .integer: "an integer"
        case .duration: "a duration"
        case .timeOfDay: "a time of day"
        case .ipv4, .ipv6: "an IP address"
        case .cidr: "a network"
        case .regex: "a regex"
        case .error: "an invalid token"
        case .endOfFile: "end of file"
        default: "`\(spelling ?? "?")`"
        }
    }

    /// The fixed spelling of keywords and punctuation; nil for tokens with variable text.
    public var spelling: String? {
        switch self {
        case .kwPolicyset: "policyset"
        case .kwDefault: "default"
        case .kwLet: "let"
        case .kwPolicy: "policy"
        case .kwDescription: "description"
        case .kwTarget: "target"
        case .kwWhen: "when"
        case .kwAllow: "allow"
        case .kwDeny: "deny"
        case .kwLimit: "limit"
        case .kwEnforce: "enforce"
        case .kwReportOnly: "report_only"
        case .kwDisabled: "disabled"
        case .kwAnd: "and"
        case .kwOr: "or"
        case .kwNot: "not"
        case .kwIn: "in"
        case .kwLike: "like"
        case .kwMatches: "matches"
        case .kwHas: "has"
        case .kwAny: "any"
        case .kwAll: "all"
        case .kwTrue: "true"
        case .kwFalse: "false"
        case .kwSchedule: "schedule"
        case .equalEqual: "=="
        case .bangEqual: "!="
        case .lessEqual: "<="
        case .greaterEqual: ">="
        case .less: "<"
        case .greater: ">"
        case .equal: "="
        case .minus: "-"
        case .dot: "."
        case .dotDot: ".."
        case .comma: ","
        case .colon: ":"
        case .leftParen: "("
        case .rightParen: ")"
        case .leftBracket: "["
        case .rightBracket: "]"
        case .leftBrace: "{"
        case .rightBrace: "}"
        default: nil
        }
    }
}

/// A set of token kinds as a bit mask: membership tests without allocation,
/// for the parser's "what may follow" checks.
public struct TokenSet: Sendable {
    var bits: UInt64

    public init(_ kinds: TokenKind...) {
        bits = 0
        for kind in kinds { bits |= 1 << UInt64(kind.rawValue) }
    }

    public func contains(_ kind: TokenKind) -> Bool { bits & (1 << UInt64(kind.rawValue)) != 0 }
}

/// Why a token is an error token. Each case maps to one stable diagnostic code.
public enum LexicalError: UInt8, Sendable {
    case invalidUTF8
    case unknownCharacter
    case unterminatedString
    case invalidEscape
    case unterminatedRegex
    case invalidRegexFlag
    case invalidNumber
    case invalidDuration
    case invalidTime
    case invalidIPAddress
    case invalidPrefix
}

/// A lexical error and the bytes it is about (for a bad escape, just the escape,
/// inside a token that spans the whole string).
public struct LexicalIssue: Sendable, Equatable {
    public var error: LexicalError
    public var start: UInt32
    public var end: UInt32
    /// The literal the token was meant to be (`.string` for a string with a bad
    /// escape): the parser uses the token there as an error expression. nil for
    /// junk (unknown characters, stray bytes, a comment with invalid UTF-8),
    /// which the parser skips entirely.
    public var literal: TokenKind?
}

/// One token: a kind and a half-open byte range `[start, end)` in its file.
public struct Token: Sendable, Equatable {
    public var kind: TokenKind
    public var start: UInt32
    public var end: UInt32
    /// Set exactly when `kind == .error`.
    public var issue: LexicalIssue?

    public init(kind: TokenKind, start: UInt32, end: UInt32, issue: LexicalIssue? = nil) {
        self.kind = kind
        self.start = start
        self.end = end
        self.issue = issue
    }

    public var length: UInt32 { end - start }

    public func span(in file: FileID) -> Span { Span(file: file, start: start, end: end) }
}
