import Testing
@testable import PolicyLanguage

/// An S-expression rendering of a syntax tree, so shape tests read at a glance.
func syntaxTree(_ expr: Expr) -> String {
    switch expr.kind {
    case .path(let parts): return parts.map(\.name).joined(separator: ".")
    case .string(let value): return "\"\(value)\""
    case .integer(let value): return "\(value)"
    case .boolean(let value): return "\(value)"
    case .duration(let seconds): return "\(seconds)s"
    case .timeOfDay(let seconds): return "@\(seconds)"
    case .ip(let address): return "ip:\(address.isV4 ? "v4" : "v6"):\(address.high):\(address.low)"
    case .cidr(let network): return "net:\(network.address.low)/\(network.prefix)"
    case .regex(let pattern, let flags): return "/\(pattern)/\(flags)"
    case .set(let elements): return "[" + elements.map(syntaxTree).joined(separator: " ") + "]"
    case .schedule(let days, let start, let end, let zone):
        let dayText = days.map { $0.first.name + ($0.last.map { ".." + $0.name } ?? "") }
        return "(schedule \(dayText.joined(separator: ",")) \(syntaxTree(start)) \(syntaxTree(end)) \(zone.value))"
    case .not(let operand): return "(not \(syntaxTree(operand)))"
    case .binary(let op, let left, let right): return "(\(op.rawValue) \(syntaxTree(left)) \(syntaxTree(right)))"
    case .has(let subject, let name): return "(has \(syntaxTree(subject)) \(name.name))"
    case .quantified(let q, let variable, let source, let body):
        return "(\(q.rawValue) \(variable.name) \(syntaxTree(source)) \(syntaxTree(body)))"
    case .parenthesized(let inner): return "(group \(syntaxTree(inner)))"
    case .error: return "<error>"
    }
}

/// Parses one expression that must produce no diagnostics.
func parseCleanExpression(_ text: String) throws -> Expr {
    let (expr, diagnostics) = Parser.parseExpression(syntaxFile(text))
    #expect(diagnostics.isEmpty, "\(text): \(diagnostics.map(\.message))")
    return try #require(expr)
}

@Suite struct ParserExpressionTests {
    static let shapes: [(String, String)] = [
        ("a or b and c", "(or a (and b c))"),
        ("a and b or c", "(or (and a b) c)"),
        ("a or b or c", "(or (or a b) c)"),
        ("not a and b", "(and (not a) b)"),
        ("not a == b", "(not (== a b))"),
        ("not not a", "(not (not a))"),
        ("a == b and c != d", "(and (== a b) (!= c d))"),
        ("risk.level <= medium", "(<= risk.level medium)"),
        ("x < 1 or x >= 2 and x > 3", "(or (< x 1) (and (>= x 2) (> x 3)))"),
        ("audience in [\"a\", \"b\",]", "(in audience [\"a\" \"b\"])"),
        ("audience not in []", "(not in audience [])"),
        ("subject.blueprint like \"readonly-*\"", "(like subject.blueprint \"readonly-*\")"),
        ("s matches /\\.Write(All)?$/i", "(matches s /\\.Write(All)?$/i)"),
        ("subject has created", "(has subject created)"),
        ("subject.attributes has cost_center", "(has subject.attributes cost_center)"),
        ("context has disabled", "(has context disabled)"),
        ("time - subject.created < 7d", "(< (- time subject.created) 604800s)"),
        ("a - b - c", "(- (- a b) c)"),
        ("any s in scopes: s matches /x/ or s == \"y\"", "(any s scopes (or (matches s /x/) (== s \"y\")))"),
        ("a and any s in scopes: b or c", "(and a (any s scopes (or b c)))"),
        ("(any s in scopes: b) or c", "(or (group (any s scopes b)) c)"),
        ("all g in subject.groups: g like \"fin-*\"", "(all g subject.groups (like g \"fin-*\"))"),
        ("not any s in [\"x\"]: s == \"y\"", "(not (any s [\"x\"] (== s \"y\")))"),
        ("subject has created and time - subject.created < 7d",
         "(and (has subject created) (< (- time subject.created) 604800s))"),
        ("(a)", "(group a)"),
        ("context.all", "context.all"),
        ("true or false", "(or true false)"),
        ("1h30m", "5400s"),
        ("1_000_000", "1000000"),
        ("\"a\\n\\t\\\"\\\\\\u{41}\"", "\"a\n\t\"\\A\""),
        ("schedule mon..fri 08:00..18:00 \"Europe/London\"",
         "(schedule mon..fri @28800 @64800 Europe/London)"),
        ("schedule mon, wed..thu, sat 00:00..24:00 \"UTC\"", "(schedule mon,wed..thu,sat @0 @86400 UTC)"),
        ("time in schedule mon 08:00:30..09:00 \"UTC\"", "(in time (schedule mon @28830 @32400 UTC))"),
    ]

    @Test(arguments: shapes)
    func parsesWithTheRightShape(_ source: String, _ tree: String) throws {
        #expect(syntaxTree(try parseCleanExpression(source)) == tree)
    }

    @Test func spansCoverTheWholeExpression() throws {
        let text = "  a or (b and c)  "
        let expr = try parseCleanExpression(text)
        #expect(syntaxFile(text).text(of: expr.span) == "a or (b and c)")
        guard case .binary(_, let left, let right) = expr.kind else {
            Issue.record("expected a binary node")
            return
        }
        #expect(syntaxFile(text).text(of: left.span) == "a")
        #expect(syntaxFile(text).text(of: right.span) == "(b and c)")
    }

    @Test func addressesAndNetworksDecode() throws {
        let v4 = try parseCleanExpression("10.1.2.3")
        guard case .ip(let a) = v4.kind else { Issue.record("not an ip"); return }
        #expect(a == IPAddress(high: 0, low: 0xFFFF_0A01_0203, isV4: true))
        let net = try parseCleanExpression("10.0.0.0/8")
        guard case .cidr(let n) = net.kind else { Issue.record("not a cidr"); return }
        #expect(n.prefix == 104 && n.address.isV4)
        let v6 = try parseCleanExpression("2001:db8::/48")
        guard case .cidr(let n6) = v6.kind else { Issue.record("not a cidr"); return }
        #expect(n6.prefix == 48 && n6.address == IPAddress(high: 0x2001_0DB8_0000_0000, low: 0, isV4: false))
        let mapped = try parseCleanExpression("::ffff:1.2.3.4")
        guard case .ip(let m) = mapped.kind else { Issue.record("not an ip"); return }
        #expect(m == IPAddress(high: 0, low: 0xFFFF_0102_0304, isV4: false))
    }

    @Test func regexKeepsThePatternAsWritten() throws {
        let expr = try parseCleanExpression(#"/a\/b\d+/im"#)
        guard case .regex(let pattern, let flags) = expr.kind else { Issue.record("not a regex"); return }
        #expect(pattern == #"a\/b\d+"#)
        #expect(flags == "im")
    }

    @Test func chainedComparisonIsReportedButParsed() {
        let (expr, diagnostics) = Parser.parseExpression(syntaxFile("a == b == c"))
        #expect(diagnostics.map(\.code) == [.chainedComparison])
        #expect(expr.map(syntaxTree) == "(== (== a b) c)")
    }

    @Test func aSingleEqualsIsReportedOnceAndParsedAsEquality() {
        let (expr, diagnostics) = Parser.parseExpression(syntaxFile("a - b = c"))
        #expect(diagnostics.map(\.message) == ["expected `==` to compare, found `=`"])
        #expect(expr.map(syntaxTree) == "(== (- a b) c)")
    }

    @Test func trailingTokensAreReported() {
        let (_, diagnostics) = Parser.parseExpression(syntaxFile("a b"))
        #expect(diagnostics.map(\.code) == [.expectedToken])
        #expect(diagnostics.first?.message == "expected end of expression, found `b`")
    }

    @Test func emptyInputHasNoExpression() {
        let (expr, diagnostics) = Parser.parseExpression(syntaxFile("   # nothing\n"))
        #expect(expr == nil)
        #expect(diagnostics.map(\.code) == [.expectedExpression])
    }

    @Test func depthLimitAllowsExactlyTheMaximum() {
        let ok = String(repeating: "(", count: Parser.maximumDepth - 1) + "x"
            + String(repeating: ")", count: Parser.maximumDepth - 1)
        #expect(Parser.parseExpression(syntaxFile(ok)).diagnostics.isEmpty)
        let deep = "(" + ok + ")"
        #expect(Parser.parseExpression(syntaxFile(deep)).diagnostics.map(\.code) == [.nestingTooDeep])
    }

    @Test func longOperatorChainsAreBoundedToo() {
        let long = Array(repeating: "a", count: 1_000).joined(separator: " or ")
        let diagnostics = Parser.parseExpression(syntaxFile(long)).diagnostics
        #expect(diagnostics.map(\.code) == [.nestingTooDeep])
        let fine = Array(repeating: "a", count: Parser.maximumDepth - 1).joined(separator: " or ")
        #expect(Parser.parseExpression(syntaxFile(fine)).diagnostics.isEmpty)
    }
}
