// The lexer's and parser's diagnostic codes (E01xx). Ids are stable: tests and
// CI tooling match them, so a code is never renumbered or reused.

extension DiagnosticCode {
    // Lexical errors (E0101–E0119): reported from error tokens.
    public static let invalidUTF8 = DiagnosticCode(
        "E0101", .error, "invalid-utf8", "Source files must be valid UTF-8.")
    public static let unknownCharacter = DiagnosticCode(
        "E0102", .error, "unknown-character", "A character that no token can start with.")
    public static let unterminatedString = DiagnosticCode(
        "E0103", .error, "unterminated-string", "A string literal is not closed before the end of its line.")
    public static let invalidEscape = DiagnosticCode(
        "E0104", .error, "invalid-escape", "A string uses an escape sequence the language does not define.")
    public static let unterminatedRegex = DiagnosticCode(
        "E0105", .error, "unterminated-regex", "A regex literal is not closed before the end of its line.")
    public static let invalidRegexFlag = DiagnosticCode(
        "E0106", .error, "invalid-regex-flag", "A regex flag other than `i`, `m`, `s` or `x`, or a repeated flag.")
    public static let invalidNumber = DiagnosticCode(
        "E0107", .error, "invalid-number", "An integer literal is malformed or does not fit in 64 bits.")
    public static let invalidDuration = DiagnosticCode(
        "E0108", .error, "invalid-duration", "A duration literal has an unknown unit, units out of order, or overflows.")
    public static let invalidTime = DiagnosticCode(
        "E0109", .error, "invalid-time", "A time of day outside `00:00`–`24:00`, or `24:00` where only a range end may use it.")
    public static let invalidIPAddress = DiagnosticCode(
        "E0110", .error, "invalid-ip-address", "An IPv4 or IPv6 address is malformed.")
    public static let invalidPrefixLength = DiagnosticCode(
        "E0111", .error, "invalid-prefix-length", "A network prefix length is out of range for its address family.")

    // Syntax errors (E0120–E0139): reported by the parser.
    public static let expectedExpression = DiagnosticCode(
        "E0120", .error, "expected-expression", "An expression was required here.")
    public static let expectedToken = DiagnosticCode(
        "E0121", .error, "expected-token", "A specific token was required here.")
    public static let unclosedDelimiter = DiagnosticCode(
        "E0122", .error, "unclosed-delimiter", "A `{`, `(` or `[` is never closed.")
    public static let expectedDeclaration = DiagnosticCode(
        "E0123", .error, "expected-declaration", "Only `policyset`, `default`, `let` and `policy` may appear at the top level.")
    public static let expectedClause = DiagnosticCode(
        "E0124", .error, "expected-clause", "A policy body holds only `description`, `target`, `when`, `allow`, `deny` and `limit` clauses.")
    public static let chainedComparison = DiagnosticCode(
        "E0125", .error, "chained-comparison", "Comparison operators do not associate; `a < b < c` is an error.")
    public static let nestingTooDeep = DiagnosticCode(
        "E0126", .error, "nesting-too-deep", "An expression is nested more deeply than the parser allows.")
    public static let keywordAsName = DiagnosticCode(
        "E0127", .error, "keyword-as-name", "A reserved keyword was used where a name was expected.")

    /// Every code the lexer and parser can emit, for the diagnostic catalogue.
    public static let syntaxCodes: [DiagnosticCode] = [
        .invalidUTF8, .unknownCharacter, .unterminatedString, .invalidEscape,
        .unterminatedRegex, .invalidRegexFlag, .invalidNumber, .invalidDuration,
        .invalidTime, .invalidIPAddress, .invalidPrefixLength,
        .expectedExpression, .expectedToken, .unclosedDelimiter, .expectedDeclaration,
        .expectedClause, .chainedComparison, .nestingTooDeep, .keywordAsName,
    ]
}

extension LexicalError {
    /// The stable code reported for this lexical error.
    public var code: DiagnosticCode {
        switch self {
        case .invalidUTF8: .invalidUTF8
        case .unknownCharacter: .unknownCharacter
        case .unterminatedString: .unterminatedString
        case .invalidEscape: .invalidEscape
        case .unterminatedRegex: .unterminatedRegex
        case .invalidRegexFlag: .invalidRegexFlag
        case .invalidNumber: .invalidNumber
        case .invalidDuration: .invalidDuration
        case .invalidTime: .invalidTime
        case .invalidIPAddress: .invalidIPAddress
        case .invalidPrefix: .invalidPrefixLength
        }
    }
}
