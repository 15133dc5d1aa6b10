// Recursive descent for declarations: items, policies, clauses, controls.

extension ParserState {
    /// All top-level items. Each iteration consumes at least one token or stops,
    /// so the loop terminates on any input.
    mutating func parseItems() -> [Item] {
        var items: [Item] = []
        while current.kind != .endOfFile {
            let before = index
            if let item = parseItem() { items.append(item) }
            if panicking { synchronizeToItem() }
            if index == before { advance() }
        }
        return items
    }

    mutating func parseItem() -> Item? {
        switch current.kind {
        case .kwPolicyset: return parsePolicySet()
        case .kwDefault: return parseDefault()
        case .kwLet: return parseLet()
        case .kwPolicy: return parsePolicy().map(Item.policy)
        default:
            var help = "a file holds `policyset`, `default`, `let` and `policy` declarations"
            if current.kind.startsClause {
                help = "clauses such as \(LexicalDiagnostics.quoted(text(current))) belong inside a `policy name { … }` body"
            } else if current.kind == .rightBrace {
                help = "this `}` has no matching `{`"
            }
            report(.expectedDeclaration, "expected a declaration, found \(describeCurrent())",
                   at: currentSpan, help: help)
            return nil
        }
    }

    mutating func parsePolicySet() -> Item? {
        let start = advance().start
        guard let name = expectString("after `policyset`") else { return nil }
        return .policySet(name: name, span: span(from: start))
    }

    mutating func parseDefault() -> Item? {
        let start = advance().start
        let decision: DecisionKeyword
        switch current.kind {
        case .kwAllow: decision = .allow
        case .kwDeny: decision = .deny
        default:
            report(.expectedToken, "expected `allow` or `deny` after `default`, found \(describeCurrent())",
                   at: currentSpan)
            return nil
        }
        advance()
        return .defaultDecision(decision, span: span(from: start))
    }

    mutating func parseLet() -> Item? {
        let start = advance().start
        guard let name = expectName("after `let`", followers: TokenSet(.equal)) else { return nil }
        guard expect(.equal, "after the name in a `let`") != nil else { return nil }
        let value = parseExpression()
        return .binding(LetDecl(name: name, value: value, span: span(from: start)))
    }

    // MARK: - Policies

    mutating func parsePolicy() -> PolicyDecl? {
        let start = advance().start
        let followers = TokenSet(.leftBrace, .kwEnforce, .kwReportOnly, .kwDisabled)
        guard let name = expectName("after `policy`", followers: followers) else { return nil }
        let (mode, modeSpan) = parsePolicyMode()
        guard let open = expect(.leftBrace, "to start the body of policy `\(name.name)`") else { return nil }
        var clauses: [PolicyClause] = []
        while true {
            if consume(.rightBrace) != nil { break }
            if current.kind == .endOfFile || current.kind.startsItem {
                _ = expectClosing(.rightBrace, opener: open, what: "body of policy `\(name.name)`")
                panicking = false
                break
            }
            let before = index
            if let clause = parseClause() { clauses.append(clause) }
            if panicking { synchronizeToClause() }
            if index == before { advance() }
        }
        return PolicyDecl(name: name, mode: mode, modeSpan: modeSpan, clauses: clauses, span: span(from: start))
    }

    /// The optional mode after a policy's name. A plain name there is taken as a
    /// misspelt mode (reported, then skipped) so the body still parses.
    mutating func parsePolicyMode() -> (PolicyMode?, Span?) {
        let mode: PolicyMode? = switch current.kind {
        case .kwEnforce: .enforce
        case .kwReportOnly: .reportOnly
        case .kwDisabled: .disabled
        default: nil
        }
        if let mode { return (mode, span(advance())) }
        if current.kind == .identifier, next.kind == .leftBrace {
            reportRecovered(.expectedToken, "unknown policy mode \(describeCurrent())", at: currentSpan,
                            help: "the modes are `enforce`, `report_only` and `disabled`")
            advance()
        }
        return (nil, nil)
    }

    mutating func parseClause() -> PolicyClause? {
        let start = current.start
        switch current.kind {
        case .kwDescription:
            advance()
            guard let text = expectString("after `description`") else { return nil }
            return .description(text, span: span(from: start))
        case .kwTarget:
            advance()
            return .target(parseExpression(), span: span(from: start))
        case .kwWhen:
            advance()
            return .when(parseExpression(), span: span(from: start))
        case .kwAllow:
            advance()
            let controls = check(.leftBrace) ? parseControls() : nil
            return .allow(controls, span: span(from: start))
        case .kwDeny:
            advance()
            let reason = atStringLike ? expectString("after `deny`") : nil
            let controls = check(.leftBrace) ? parseControls() : nil
            return .deny(reason: reason, controls: controls, span: span(from: start))
        case .kwLimit:
            advance()
            guard check(.leftBrace) else {
                report(.expectedToken, "expected `{` after `limit`, found \(describeCurrent())", at: currentSpan,
                       help: "a `limit` lists controls, e.g. `limit { token_lifetime 1h }`")
                return nil
            }
            guard let block = parseControls() else { return nil }
            return .limit(block, span: span(from: start))
        default:
            reportUnexpectedClause()
            return nil
        }
    }

    mutating func reportUnexpectedClause() {
        var help = "a policy body holds `description`, `target`, `when`, `allow`, `deny` and `limit` clauses"
        if current.kind == .identifier, ControlNames.all.contains(text(current)) {
            help = "controls such as \(describeCurrent()) go inside `allow { … }` or `limit { … }`"
        }
        report(.expectedClause, "expected a clause, found \(describeCurrent())", at: currentSpan, help: help)
    }

    // MARK: - Controls

    /// `{ (NAME EXPR)* }`. Errors inside recover to the block's `}` so the policy
    /// body's own `}` is not mistaken for it.
    mutating func parseControls() -> ControlsBlock? {
        let open = advance()
        var controls: [Control] = []
        while true {
            if consume(.rightBrace) != nil { break }
            let kind = current.kind
            if kind == .endOfFile || kind.startsItem || kind.startsClause {
                _ = expectClosing(.rightBrace, opener: open, what: "controls block")
                break
            }
            if kind == .comma {
                reportRecovered(.expectedToken, "expected a control name, found `,`", at: currentSpan,
                                help: "controls are separated by spaces or new lines, not commas")
                advance()
                continue
            }
            guard kind == .identifier else {
                report(.expectedToken, "expected a control name, found \(describeCurrent())", at: currentSpan,
                       help: "the controls are `token_lifetime`, `scopes` and `require`")
                skipToControlsEnd()
                break
            }
            let name = identifier(advance())
            let value = parseExpression()
            controls.append(Control(name: name, value: value, span: span(from: name.span.start)))
            if panicking {
                skipToControlsEnd()
                break
            }
        }
        return ControlsBlock(controls: controls, span: span(from: open.start))
    }

    /// Recovery inside a controls block: past its `}` (consumed), or up to a
    /// clause or item keyword. Leaves panic mode only when the block was closed.
    mutating func skipToControlsEnd() {
        skipBalanced()
        if consume(.rightBrace) != nil { panicking = false }
    }

    // MARK: - Names and strings

    /// A name. A keyword followed by what should follow the name is taken as the
    /// name (reported, no panic), so `let policy = 1` yields one error, not three.
    mutating func expectName(_ context: String, followers: TokenSet) -> Identifier? {
        if current.kind == .identifier { return identifier(advance()) }
        if current.kind.isKeyword, followers.contains(next.kind) {
            reportRecovered(.keywordAsName, "\(describeCurrent()) is a keyword and cannot be used as a name",
                            at: currentSpan, help: "choose another name, e.g. `\(text(current))_`")
            return identifier(advance())
        }
        let help = atStringLike ? "names are written bare, without quotes, e.g. `finance_reads`" : nil
        report(.expectedToken, "expected a name \(context), found \(describeCurrent())", at: currentSpan, help: help)
        return nil
    }

    /// A string, or a string-shaped error token (already diagnosed by the lexer).
    var atStringLike: Bool {
        check(.string) || current.issue?.literal == .string
    }

    mutating func expectString(_ context: String) -> StringLiteral? {
        if check(.string) { return stringLiteral(advance()) }
        if atStringLike { return StringLiteral("", span: span(advance())) }
        report(.expectedToken, "expected a string \(context), found \(describeCurrent())", at: currentSpan)
        return nil
    }

    func identifier(_ token: Token) -> Identifier {
        Identifier(text(token), span: span(token))
    }

    func stringLiteral(_ token: Token) -> StringLiteral {
        StringLiteral(LiteralParsing.string(file.bytes, Int(token.start), Int(token.end)), span: span(token))
    }
}

/// The control names the parser knows, only to give better help when one is
/// written outside a controls block; the checker validates controls.
enum ControlNames {
    static let all: Set<String> = ["token_lifetime", "scopes", "require"]
}
