/// The parser's entry points. Parsing never throws: it always returns a tree
/// (with `.error` nodes where it recovered) and every diagnostic it found.
///
/// Declarations are parsed by recursive descent (`ParserDeclarations.swift`),
/// expressions by a Pratt parser driven by one table (`ParserExpressions.swift`).
public enum Parser {
    /// Parses a whole `.agate` file.
    public static func parse(_ file: SourceFile) -> (unit: SourceUnit, diagnostics: [Diagnostic]) {
        var state = ParserState(file)
        let items = state.parseItems()
        return (SourceUnit(file: file.id, items: items), state.diagnostics)
    }

    /// Parses a file holding a single expression (for tests and tools); `expr` is
    /// nil when nothing that looks like an expression was found.
    public static func parseExpression(_ file: SourceFile) -> (expr: Expr?, diagnostics: [Diagnostic]) {
        var state = ParserState(file)
        let expr = state.parseExpression()
        if state.current.kind != .endOfFile {
            state.report(.expectedToken, "expected end of expression, found \(state.describeCurrent())",
                         at: state.currentSpan)
            while state.current.kind != .endOfFile { state.advance() }
        }
        if case .error = expr.kind { return (nil, state.diagnostics) }
        return (expr, state.diagnostics)
    }

    /// The deepest expression tree the parser builds. Later passes (checker,
    /// compiler, oracle) recurse over the tree, so this bound protects them too.
    public static let maximumDepth = 128
}

/// The mutable state of one parse: the token array, a cursor, the diagnostics
/// so far, and the panic flag that suppresses cascades until resynchronisation.
struct ParserState {
    let file: SourceFile
    let tokens: [Token]
    var index = 0
    var previousEnd: UInt32 = 0
    var diagnostics: [Diagnostic] = []
    /// Set by a syntax error; cleared when the parser resynchronises. While set,
    /// further syntax errors are dropped (they are almost always consequences).
    var panicking = false
    /// Depth of the expression node being parsed, for `Parser.maximumDepth`.
    var depth = 0

    init(_ file: SourceFile) {
        self.file = file
        self.tokens = Lexer.tokenize(file)
        skipJunk()
    }

    var current: Token { tokens[index] }

    var next: Token { tokens[min(index + 1, tokens.count - 1)] }

    var currentSpan: Span { current.span(in: file.id) }

    func span(_ token: Token) -> Span { token.span(in: file.id) }

    /// From `start` to the end of the last consumed token.
    func span(from start: UInt32) -> Span { Span(file: file.id, start: start, end: max(start, previousEnd)) }

    func text(_ token: Token) -> String { file.text(of: span(token)) }

    func check(_ kind: TokenKind) -> Bool { current.kind == kind }

    /// Consumes the current token (never moves past end of file) and reports the
    /// lexical error it carries, if any, so every error token is reported once.
    @discardableResult
    mutating func advance() -> Token {
        let token = tokens[index]
        if token.kind != .endOfFile { index += 1 }
        previousEnd = token.end
        if token.issue != nil { reportLexical(token) }
        skipJunk()
        return token
    }

    /// Junk tokens (invalid UTF-8, unknown characters) are reported and then
    /// skipped, so `policy a§ {` still parses as a policy.
    mutating func skipJunk() {
        while let issue = tokens[index].issue, issue.literal == nil {
            reportLexical(tokens[index])
            index += 1
        }
    }

    mutating func consume(_ kind: TokenKind) -> Token? {
        guard check(kind) else { return nil }
        return advance()
    }

    // MARK: - Reporting

    /// Reports a syntax error and enters panic mode; dropped if already panicking
    /// or if the offending token is an error token (already reported).
    mutating func report(_ code: DiagnosticCode, _ message: String, at span: Span,
                         labels: [DiagnosticLabel] = [], help: String? = nil) {
        defer { panicking = true }
        guard !panicking, current.kind != .error || span != currentSpan else { return }
        diagnostics.append(Diagnostic(code, message, at: span, labels: labels, help: help))
    }

    /// Reports an error the parser recovers from in place (no panic mode).
    mutating func reportRecovered(_ code: DiagnosticCode, _ message: String, at span: Span,
                                  help: String? = nil) {
        guard !panicking else { return }
        diagnostics.append(Diagnostic(code, message, at: span, help: help))
    }

    mutating func reportLexical(_ token: Token) {
        diagnostics.append(LexicalDiagnostics.diagnostic(for: token, in: file))
    }

    /// The current token as a diagnostic names it: its text in backticks, or `end of file`.
    func describeCurrent() -> String { describe(current) }

    func describe(_ token: Token) -> String {
        token.kind == .endOfFile ? "end of file" : LexicalDiagnostics.quoted(text(token))
    }

    /// Requires `kind`; on mismatch reports `expected X, found Y` and consumes nothing.
    @discardableResult
    mutating func expect(_ kind: TokenKind, _ context: String, help: String? = nil) -> Token? {
        if let token = consume(kind) { return token }
        report(.expectedToken, "expected \(kind.displayName) \(context), found \(describeCurrent())",
               at: currentSpan, help: help)
        return nil
    }

    /// Requires a closing delimiter; on mismatch points back at the opener.
    mutating func expectClosing(_ kind: TokenKind, opener: Token, what: String) -> Bool {
        if consume(kind) != nil { return true }
        report(.unclosedDelimiter, "expected \(kind.displayName), found \(describeCurrent())",
               at: currentSpan,
               labels: [DiagnosticLabel(span: span(opener), message: "\(what) opened here")],
               help: "add \(kind.displayName) to close the \(what)")
        return false
    }

    // MARK: - Recovery

    /// Skips to the next top-level keyword and leaves panic mode.
    mutating func synchronizeToItem() {
        panicking = false
        while current.kind != .endOfFile, !current.kind.startsItem { advance() }
    }

    /// Skips to the next clause keyword, the `}` closing the policy body, or a
    /// top-level keyword; brackets opened while skipping are skipped whole.
    mutating func synchronizeToClause() {
        panicking = false
        var nesting = 0
        while current.kind != .endOfFile, !current.kind.startsItem {
            let kind = current.kind
            if nesting == 0, kind.startsClause || kind == .rightBrace { return }
            if kind == .leftParen || kind == .leftBracket || kind == .leftBrace { nesting += 1 }
            if kind == .rightParen || kind == .rightBracket || kind == .rightBrace { nesting = max(0, nesting - 1) }
            advance()
        }
    }

    /// Skips the rest of an expression too deep to parse, without recursion:
    /// stops before a closer it did not see opened, a clause or item keyword,
    /// or end of file.
    mutating func skipBalanced() {
        var nesting = 0
        while current.kind != .endOfFile {
            let kind = current.kind
            let closes = kind == .rightParen || kind == .rightBracket || kind == .rightBrace
            if nesting == 0, closes || kind.startsClause || kind.startsItem { return }
            if kind == .leftParen || kind == .leftBracket || kind == .leftBrace { nesting += 1 }
            if closes { nesting -= 1 }
            advance()
        }
    }
}
