// Pratt parsing for expressions. Binding power comes from one table,
// `InfixRule.table`: adding an infix operator is adding a row there.

/// Binding power, lowest first (docs/language.md "Operators and precedence").
enum Precedence: Int, Comparable {
    case lowest          // quantifier bodies extend as far right as possible
    case or
    case and
    case not             // prefix `not`
    case comparison      // == != < <= > >= in, not in, like, matches, has (non-associative)
    case difference      // binary `-` (left-associative)
    case primary

    static func < (a: Precedence, b: Precedence) -> Bool { a.rawValue < b.rawValue }

    var nextHigher: Precedence { Precedence(rawValue: rawValue + 1) ?? .primary }
}

/// What an infix token builds.
enum InfixAction {
    case binary(BinaryOperator)
    /// `not in`: the `not` token must be followed by `in`.
    case notIn
    /// `has NAME`: the right side is a name, not an expression.
    case has
}

/// One row of the operator table.
struct InfixRule {
    let token: TokenKind
    let precedence: Precedence
    let action: InfixAction

    var isComparison: Bool { precedence == .comparison }

    static let rows: [InfixRule] = [
        InfixRule(token: .kwOr, precedence: .or, action: .binary(.or)),
        InfixRule(token: .kwAnd, precedence: .and, action: .binary(.and)),
        InfixRule(token: .equalEqual, precedence: .comparison, action: .binary(.equal)),
        InfixRule(token: .bangEqual, precedence: .comparison, action: .binary(.notEqual)),
        InfixRule(token: .less, precedence: .comparison, action: .binary(.less)),
        InfixRule(token: .lessEqual, precedence: .comparison, action: .binary(.lessEqual)),
        InfixRule(token: .greater, precedence: .comparison, action: .binary(.greater)),
        InfixRule(token: .greaterEqual, precedence: .comparison, action: .binary(.greaterEqual)),
        InfixRule(token: .kwIn, precedence: .comparison, action: .binary(.in)),
        InfixRule(token: .kwNot, precedence: .comparison, action: .notIn),
        InfixRule(token: .kwLike, precedence: .comparison, action: .binary(.like)),
        InfixRule(token: .kwMatches, precedence: .comparison, action: .binary(.matches)),
        InfixRule(token: .kwHas, precedence: .comparison, action: .has),
        InfixRule(token: .minus, precedence: .difference, action: .binary(.minus)),
    ]

    /// `rows` indexed by token kind, for a constant-time lookup per token.
    static let table: [InfixRule?] = {
        var table = [InfixRule?](repeating: nil, count: TokenKind.allCases.count)
        for rule in rows { table[Int(rule.token.rawValue)] = rule }
        return table
    }()

    static func rule(for kind: TokenKind) -> InfixRule? { table[Int(kind.rawValue)] }
}

extension ParserState {
    /// An expression binding at least as tightly as `minimum`.
    ///
    /// `depth` counts the height of the tree being built: one per recursive call
    /// and one per node a left-associative chain adds. Past
    /// `Parser.maximumDepth` the rest of the expression is skipped with a
    /// diagnostic, so neither this parser nor any later recursive pass can
    /// exhaust the stack.
    mutating func parseExpression(_ minimum: Precedence = .lowest) -> Expr {
        depth += 1
        defer { depth -= 1 }
        if depth > Parser.maximumDepth { return tooDeep() }
        var left = parsePrefix()
        var chain = 0
        var previousComparison: Token? = nil
        while let rule = infixRule(), rule.precedence >= minimum {
            chain += 1
            if depth + chain > Parser.maximumDepth { return tooDeep(keeping: left) }
            let operatorToken = current
            if operatorToken.kind == .equal {
                reportRecovered(.expectedToken, "expected `==` to compare, found `=`", at: currentSpan,
                                help: "`=` only binds a name in `let`; write `==` for equality")
            }
            if rule.isComparison, let previous = previousComparison {
                reportChained(previous, operatorToken)
            }
            left = parseInfix(rule, left: left)
            previousComparison = rule.isComparison ? operatorToken : nil
        }
        return left
    }

    /// The operator rule at the current token. A lone `=` where an operator may
    /// stand is the classic typo for `==`: reported, then parsed as `==` so the
    /// rest of the expression is still checked.
    func infixRule() -> InfixRule? {
        if current.kind == .equal {
            return InfixRule(token: .equal, precedence: .comparison, action: .binary(.equal))
        }
        return InfixRule.rule(for: current.kind)
    }

    mutating func parseInfix(_ rule: InfixRule, left: Expr) -> Expr {
        advance()
        let rightMinimum = rule.precedence.nextHigher
        switch rule.action {
        case .binary(let op):
            let right = parseExpression(rightMinimum)
            return Expr(.binary(op, left, right), span: left.span.merged(with: right.span))
        case .notIn:
            guard expect(.kwIn, "after `not` in `not in`",
                         help: "to negate a condition, put `not` in front of it: `not (a == b)`") != nil else {
                return Expr(.error, span: span(from: left.span.start))
            }
            let right = parseExpression(rightMinimum)
            return Expr(.binary(.notIn, left, right), span: left.span.merged(with: right.span))
        case .has:
            guard let name = attributeName("after `has`") else {
                return Expr(.error, span: span(from: left.span.start))
            }
            return Expr(.has(left, name), span: left.span.merged(with: name.span))
        }
    }

    /// `a < b < c`: comparisons do not associate. Reported once, parsing goes on.
    mutating func reportChained(_ first: Token, _ second: Token) {
        reportRecovered(.chainedComparison,
                        "comparison \(describe(second)) cannot follow comparison \(describe(first))",
                        at: span(second),
                        help: "comparisons do not chain; combine them with `and` or add parentheses")
    }

    mutating func tooDeep(keeping left: Expr? = nil) -> Expr {
        let start = left?.span.start ?? current.start
        report(.nestingTooDeep, "expression nests more than \(Parser.maximumDepth) levels deep",
               at: currentSpan,
               help: "split the expression with `let` bindings, or use `in [ … ]` instead of long `or` chains")
        skipBalanced()
        return Expr(.error, span: span(from: start))
    }

    // MARK: - Prefix forms

    mutating func parsePrefix() -> Expr {
        let token = current
        switch token.kind {
        case .kwNot:
            advance()
            let operand = parseExpression(.not)
            return Expr(.not(operand), span: span(token).merged(with: operand.span))
        case .kwAny, .kwAll:
            return parseQuantified()
        case .leftParen:
            return parseParenthesized()
        case .leftBracket:
            return parseSet()
        case .kwSchedule:
            return parseSchedule()
        case .identifier:
            return parsePath()
        default:
            if let literal = parseLiteral() { return literal }
            let help = token.kind == .rightParen || token.kind == .rightBracket
                ? "remove the unmatched \(describe(token))" : nil
            report(.expectedExpression, "expected an expression, found \(describe(token))", at: currentSpan,
                   help: help)
            return Expr(.error, span: Span(file: file.id, start: token.start, end: token.start))
        }
    }

    /// `any x in SOURCE: BODY`; the body extends as far right as possible.
    mutating func parseQuantified() -> Expr {
        let keyword = advance()
        let quantifier: Quantifier = keyword.kind == .kwAny ? .any : .all
        guard let variable = expectName("after `\(quantifier.rawValue)`", followers: TokenSet(.kwIn)),
              expect(.kwIn, "after the variable of `\(quantifier.rawValue)`") != nil
        else { return Expr(.error, span: span(from: keyword.start)) }
        let source = parseExpression(.difference)
        guard expect(.colon, "before the condition of `\(quantifier.rawValue)`",
                     help: "write `\(quantifier.rawValue) x in set: condition`") != nil
        else { return Expr(.error, span: span(from: keyword.start)) }
        let body = parseExpression(.lowest)
        return Expr(.quantified(quantifier, variable: variable, source: source, body: body),
                    span: span(keyword).merged(with: body.span))
    }

    mutating func parseParenthesized() -> Expr {
        let open = advance()
        let inner = parseExpression()
        guard expectClosing(.rightParen, opener: open, what: "parenthesis") else {
            return Expr(.parenthesized(inner), span: span(from: open.start))
        }
        return Expr(.parenthesized(inner), span: span(from: open.start))
    }

    /// `[ e, e, … ]` with an optional trailing comma.
    mutating func parseSet() -> Expr {
        let open = advance()
        var elements: [Expr] = []
        while !check(.rightBracket) {
            let before = index
            elements.append(parseExpression())
            if consume(.comma) != nil { continue }
            if !check(.rightBracket) {
                if index == before || current.kind == .endOfFile || current.kind.startsItem
                    || current.kind.startsClause || current.kind == .rightBrace {
                    _ = expectClosing(.rightBracket, opener: open, what: "set")
                } else {
                    report(.expectedToken, "expected `,` or `]` in a set, found \(describeCurrent())",
                           at: currentSpan, help: "separate the elements of a set with `,`")
                }
                return Expr(.set(elements), span: span(from: open.start))
            }
        }
        advance()
        return Expr(.set(elements), span: span(from: open.start))
    }

    /// `subject.attributes.cost_center`: after a dot any word is allowed, keywords
    /// included, because attribute and context names are the user's.
    mutating func parsePath() -> Expr {
        var parts = [identifier(advance())]
        while check(.dot) {
            advance()
            guard let part = attributeName("after `.`") else { break }
            parts.append(part)
        }
        return Expr(.path(parts), span: parts[0].span.merged(with: parts[parts.count - 1].span))
    }

    /// A name that may also be spelt like a keyword (`has description`, `context.all`),
    /// except a keyword that starts a clause or declaration: `when subject has`
    /// followed by `deny` is a missing name, not an attribute called `deny`.
    mutating func attributeName(_ context: String) -> Identifier? {
        let kind = current.kind
        if kind == .identifier || (kind.isKeyword && !kind.startsClause && !kind.startsItem) {
            return identifier(advance())
        }
        report(.expectedToken, "expected a name \(context), found \(describeCurrent())", at: currentSpan)
        return nil
    }
}
