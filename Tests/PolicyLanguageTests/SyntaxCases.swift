import PolicyLanguage
import Testing

// Cases for the front end's syntax codes, run through the whole pipeline so the
// catalogue test sees every code exercised end to end (and the checker adds no
// cascade on top of a syntax error).
enum SyntaxCases {
    static let all: [DiagnosticCase] = [
        .init("E0102", "unknown character `$`", """
        policy p { when subject.id == ⟦$⟧ deny "x" }
        """),
        .init("E0103", "unterminated string", help: "add a closing `\"` before the end of the line", """
        policy p { when subject.id == ⟦"abc⟧
         deny "x" }
        """),
        .init("E0104", "invalid escape `\\q` in a string",
              help: "the escapes are `\\\"`, `\\\\`, `\\n`, `\\t`, `\\r` and `\\u{…}` with 1 to 6 hex digits", """
        policy p { when subject.id == "a⟦\\q⟧" deny "x" }
        """),
        .init("E0105", "unterminated regex",
              help: "add a closing `/` before the end of the line; write `\\/` for a slash in the pattern", """
        policy p { when subject.id matches ⟦/abc⟧
         deny "x" }
        """),
        .init("E0106", "unknown regex flag `q`", help: "regex flags are `i`, `m`, `s` and `x`, each at most once", """
        policy p { when subject.id matches /abc/⟦q⟧ deny "x" }
        """),
        .init("E0107", "invalid integer `99999999999999999999`",
              help: "an integer is decimal digits with single `_` between digits, at most 9223372036854775807", """
        policy p { when risk.score == ⟦99999999999999999999⟧ deny "x" }
        """),
        .init("E0108", "invalid duration `5y`",
              help: "a duration is `<integer><unit>` parts with units `d`, `h`, `m`, `s`, largest first, e.g. `1h30m`", """
        policy p { when subject has created and time - subject.created < ⟦5y⟧ deny "x" }
        """),
        .init("E0109", "invalid time of day `25:00`", help: "write `HH:MM` or `HH:MM:SS` from `00:00` to `24:00`", """
        let h = schedule mon ⟦25:00⟧..26:00 "UTC"
        """),
        .init("E0110", "invalid IP address `10.0.0.300`",
              help: "an IPv4 address is four numbers from 0 to 255 without leading zeros, e.g. `10.0.0.1`", """
        policy p { when location.ip == ⟦10.0.0.300⟧ deny "x" }
        """),
        .init("E0111", "prefix length `/33` is out of range for an IPv4 network", help: "IPv4 prefixes are 0 to 32", """
        policy p { when location.ip in 10.0.0.0⟦/33⟧ deny "x" }
        """),
        .init("E0120", "expected an expression, found `deny`", """
        policy p { when risk.score == ⟦deny⟧ "x" }
        """),
        .init("E0121", "expected a time of day such as `08:00`, found `8`", """
        let h = schedule mon ⟦8⟧..18:00 "UTC"
        """),
        .init("E0122", "expected `)`, found `deny`", help: "add `)` to close the parenthesis", """
        policy p { when (risk.score == 1 ⟦deny⟧ "x" }
        """),
        .init("E0123", "expected a declaration, found `polcy`",
              help: "a file holds `policyset`, `default`, `let` and `policy` declarations", """
        ⟦polcy⟧ p { deny "x" }
        """),
        .init("E0124", "expected a clause, found `whem`",
              help: "a policy body holds `description`, `target`, `when`, `allow`, `deny` and `limit` clauses", """
        policy p { ⟦whem⟧ risk.score == 1 deny "x" }
        """),
        .init("E0125", "comparison `<` cannot follow comparison `<`",
              help: "comparisons do not chain; combine them with `and` or add parentheses", """
        policy p { when 1 < 2 ⟦<⟧ 3 deny "x" }
        """),
        .init("E0126", "expression nests more than 128 levels deep",
              help: "split the expression with `let` bindings, or use `in [ … ]` instead of long `or` chains",
              "policy p { when " + String(repeating: "(", count: 128) + "⟦(⟧" + String(repeating: "(", count: 100)
                + "1" + String(repeating: ")", count: 229) + " deny \"x\" }"),
        .init("E0127", "`when` is a keyword and cannot be used as a name", help: "choose another name, e.g. `when_`", """
        policy ⟦when⟧ { deny "x" }
        """),
    ]

    /// Codes that need raw bytes rather than a Swift string; tested below.
    static let bytesOnly: Set<String> = ["E0101"]
}

@Suite("Syntax diagnostics through the front end")
struct SyntaxCaseTests {
    @Test(arguments: SyntaxCases.all)
    func diagnostic(_ c: DiagnosticCase) {
        expectDiagnostic(c)
    }

    @Test func syntaxErrorsHaveNoCheckerCascade() {
        #expect(ids("policy p { when 1 < 2 < 3 deny \"x\" }") == ["E0125"])
        #expect(ids("policy p { when risk.score == deny \"x\" }") == ["E0120"])
    }

    @Test func invalidUTF8() {
        var sources = SourceSet()
        sources.add(path: "a.agate", bytes: Array("policy p { when subject.id == \"a".utf8) + [0xFF] + Array("\" deny \"x\" }".utf8))
        let result = PolicyFrontend.check(sources)
        let d = result.diagnostics.first
        #expect(d?.code.id == "E0101")
        #expect(d?.message == "invalid UTF-8 byte `0xFF`")
        #expect(d?.help == "policy files must be saved as UTF-8")
        #expect(d.map { "\(result.sources.files[0].location(of: $0.span.start))" } == "(line: 1, column: 33)")
        #expect(d?.span.start == 32)
        #expect(result.policySet == nil)
    }
}
