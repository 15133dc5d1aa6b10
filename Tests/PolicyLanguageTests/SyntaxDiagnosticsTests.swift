import Testing
@testable import PolicyLanguage

/// A test source with a `1️⃣` marker where the primary span must start, and
/// `«FF»` standing for a raw byte 0xFF (a Swift string cannot hold invalid UTF-8).
struct SyntaxMarkedSource {
    let file: SourceFile
    let marker: UInt32?

    init(_ text: String) {
        var bytes: [UInt8] = []
        var marker: UInt32? = nil
        let markerBytes = Array("1️⃣".utf8)
        let rawFF = Array("«FF»".utf8)
        let input = Array(text.utf8)
        var i = 0
        while i < input.count {
            if input[i...].starts(with: markerBytes) {
                marker = UInt32(bytes.count)
                i += markerBytes.count
            } else if input[i...].starts(with: rawFF) {
                bytes.append(0xFF)
                i += rawFF.count
            } else {
                bytes.append(input[i])
                i += 1
            }
        }
        self.file = SourceFile(id: FileID(0), path: "test.agate", bytes: bytes)
        self.marker = marker
    }
}

func syntaxFile(_ text: String) -> SourceFile {
    SourceFile(id: FileID(0), path: "test.agate", text: text)
}

/// One expected diagnostic: the whole of it, not just the id.
struct SyntaxDiagnosticCase: Sendable, CustomTestStringConvertible {
    let id: String
    let source: String
    let message: String
    let underlined: String
    let help: String?
    var label: String? = nil
    /// How many diagnostics the whole parse reports (proves no cascade).
    var total = 1

    var testDescription: String { "\(id): \(message)" }
}

let syntaxDiagnosticCases: [SyntaxDiagnosticCase] = [
    .init(id: "E0101", source: "let x = 1 1️⃣«FF»\n", message: "invalid UTF-8 byte `0xFF`",
          underlined: "\u{FFFD}", help: "policy files must be saved as UTF-8"),
    .init(id: "E0102", source: "let x = 1 1️⃣§\n", message: "unknown character `§`",
          underlined: "§", help: nil),
    .init(id: "E0102", source: "policy p {\n  when a 1️⃣&& b\n  deny \"x\"\n}", message: "unknown character `&&`",
          underlined: "&&", help: "use `and`", total: 2),
    .init(id: "E0102", source: "policy p { when subject.kind == 1️⃣'agent' deny \"x\" }",
          message: "unknown character `'`", underlined: "'", help: "strings use double quotes: `\"…\"`"),
    .init(id: "E0103", source: "policyset 1️⃣\"contoso\ndefault deny\n", message: "unterminated string",
          underlined: "\"contoso", help: "add a closing `\"` before the end of the line"),
    .init(id: "E0104", source: "policyset \"a1️⃣\\qb\"", message: "invalid escape `\\q` in a string",
          underlined: "\\q",
          help: "the escapes are `\\\"`, `\\\\`, `\\n`, `\\t`, `\\r` and `\\u{…}` with 1 to 6 hex digits"),
    .init(id: "E0104", source: "policyset \"a1️⃣\\u{D800}\"", message: "invalid escape `\\u{D800}` in a string",
          underlined: "\\u{D800}",
          help: "the escapes are `\\\"`, `\\\\`, `\\n`, `\\t`, `\\r` and `\\u{…}` with 1 to 6 hex digits"),
    .init(id: "E0105", source: "let r = 1️⃣/abc\nlet y = 2", message: "unterminated regex", underlined: "/abc",
          help: "add a closing `/` before the end of the line; write `\\/` for a slash in the pattern"),
    .init(id: "E0106", source: "let r = /abc/i1️⃣g", message: "unknown regex flag `g`", underlined: "g",
          help: "regex flags are `i`, `m`, `s` and `x`, each at most once"),
    .init(id: "E0106", source: "let r = /abc/i1️⃣i", message: "repeated regex flag `i`", underlined: "i",
          help: "regex flags are `i`, `m`, `s` and `x`, each at most once"),
    .init(id: "E0107", source: "let n = 1️⃣99999999999999999999", message: "invalid integer `99999999999999999999`",
          underlined: "99999999999999999999",
          help: "an integer is decimal digits with single `_` between digits, at most 9223372036854775807"),
    .init(id: "E0108", source: "let d = 1️⃣3w", message: "invalid duration `3w`", underlined: "3w",
          help: "a duration is `<integer><unit>` parts with units `d`, `h`, `m`, `s`, largest first, e.g. `1h30m`"),
    .init(id: "E0108", source: "let d = 1️⃣30m1h", message: "invalid duration `30m1h`", underlined: "30m1h",
          help: "a duration is `<integer><unit>` parts with units `d`, `h`, `m`, `s`, largest first, e.g. `1h30m`"),
    .init(id: "E0109", source: "let t = 1️⃣25:00", message: "invalid time of day `25:00`", underlined: "25:00",
          help: "write `HH:MM` or `HH:MM:SS` from `00:00` to `24:00`"),
    .init(id: "E0109", source: "let s = schedule mon 1️⃣24:00..18:00 \"UTC\"",
          message: "`24:00` can only end a time range", underlined: "24:00",
          help: "use `00:00` for midnight at the start of a day"),
    .init(id: "E0110", source: "let n = [1️⃣10.0.0.256]", message: "invalid IP address `10.0.0.256`",
          underlined: "10.0.0.256",
          help: "an IPv4 address is four numbers from 0 to 255 without leading zeros, e.g. `10.0.0.1`"),
    .init(id: "E0110", source: "let n = [1️⃣2001:db8::g1, ::1]", message: "invalid IP address `2001:db8::g1`",
          underlined: "2001:db8::g1",
          help: "an IPv6 address is up to eight groups of 1 to 4 hex digits separated by `:`, with at most one `::`, e.g. `2001:db8::1`"),
    .init(id: "E0111", source: "let n = [10.0.0.01️⃣/33]",
          message: "prefix length `/33` is out of range for an IPv4 network", underlined: "/33",
          help: "IPv4 prefixes are 0 to 32"),
    .init(id: "E0111", source: "let n = 2001:db8::1️⃣/129",
          message: "prefix length `/129` is out of range for an IPv6 network", underlined: "/129",
          help: "IPv6 prefixes are 0 to 128"),
    .init(id: "E0120", source: "policy p {\n  when 1️⃣)\n  deny \"x\"\n}",
          message: "expected an expression, found `)`", underlined: ")", help: "remove the unmatched `)`"),
    .init(id: "E0120", source: "let x = 1️⃣", message: "expected an expression, found end of file",
          underlined: "", help: nil),
    .init(id: "E0121", source: "let 1️⃣= 3\nlet y = 2", message: "expected a name after `let`, found `=`",
          underlined: "=", help: nil),
    .init(id: "E0121", source: "policy p {\n  when x not 1️⃣3\n}",
          message: "expected `in` after `not` in `not in`, found `3`", underlined: "3",
          help: "to negate a condition, put `not` in front of it: `not (a == b)`"),
    .init(id: "E0121", source: "policy p { when subject.kind 1️⃣= agent deny \"x\" }",
          message: "expected `==` to compare, found `=`", underlined: "=",
          help: "`=` only binds a name in `let`; write `==` for equality"),
    .init(id: "E0121", source: "policy 1️⃣\"finance reads\" { deny \"x\" }",
          message: "expected a name after `policy`, found `\"finance reads\"`", underlined: "\"finance reads\"",
          help: "names are written bare, without quotes, e.g. `finance_reads`"),
    .init(id: "E0121", source: "policy p { allow { token_lifetime 15m1️⃣, scopes [\"a\"] } }",
          message: "expected a control name, found `,`", underlined: ",",
          help: "controls are separated by spaces or new lines, not commas"),
    .init(id: "E0121", source: "let x = [1 1️⃣2]", message: "expected `,` or `]` in a set, found `2`",
          underlined: "2", help: "separate the elements of a set with `,`"),
    .init(id: "E0121", source: "let s = schedule mon1️⃣-fri 08:00..18:00 \"UTC\"",
          message: "expected `..` in a range of days, found `-`", underlined: "-",
          help: "write a range of days as `mon..fri`"),
    .init(id: "E0122", source: "policy p {\n  deny \"x\"\n1️⃣policy q {\n  deny \"y\"\n}",
          message: "expected `}`, found `policy`", underlined: "policy",
          help: "add `}` to close the body of policy `p`", label: "{"),
    .init(id: "E0122", source: "let x = (1 or 2\n1️⃣let y = 3", message: "expected `)`, found `let`",
          underlined: "let", help: "add `)` to close the parenthesis", label: "("),
    .init(id: "E0123", source: "1️⃣when x\npolicy p { deny \"x\" }", message: "expected a declaration, found `when`",
          underlined: "when", help: "clauses such as `when` belong inside a `policy name { … }` body"),
    .init(id: "E0124", source: "policy p {\n  1️⃣scopes [\"a\"]\n  deny \"x\"\n}",
          message: "expected a clause, found `scopes`", underlined: "scopes",
          help: "controls such as `scopes` go inside `allow { … }` or `limit { … }`"),
    .init(id: "E0125", source: "let x = 1 < 2 1️⃣< 3", message: "comparison `<` cannot follow comparison `<`",
          underlined: "<", help: "comparisons do not chain; combine them with `and` or add parentheses"),
    .init(id: "E0126",
          source: "let x = " + String(repeating: "(", count: 128) + "1️⃣" + String(repeating: "(", count: 72)
              + "1" + String(repeating: ")", count: 200) + "\nlet y = 2",
          message: "expression nests more than 128 levels deep", underlined: "(",
          help: "split the expression with `let` bindings, or use `in [ … ]` instead of long `or` chains"),
    .init(id: "E0127", source: "let 1️⃣policy = 1", message: "`policy` is a keyword and cannot be used as a name",
          underlined: "policy", help: "choose another name, e.g. `policy_`"),
]

@Suite struct SyntaxDiagnosticsTests {
    @Test(arguments: syntaxDiagnosticCases)
    func reportsTheWholeDiagnostic(_ expected: SyntaxDiagnosticCase) throws {
        let source = SyntaxMarkedSource(expected.source)
        let diagnostics = Parser.parse(source.file).diagnostics
        #expect(diagnostics.count == expected.total, "\(diagnostics.map { "\($0.code.id) \($0.message)" })")
        let found = try #require(diagnostics.first { $0.code.id == expected.id })
        #expect(found.message == expected.message)
        #expect(found.help == expected.help)
        #expect(source.file.text(of: found.span) == expected.underlined)
        let marker = try #require(source.marker)
        let want = source.file.location(of: marker)
        let got = source.file.location(of: found.span.start)
        #expect(got.line == want.line && got.column == want.column, "at \(got), want \(want)")
        #expect(found.labels.first.map { source.file.text(of: $0.span) } == expected.label)
    }

    @Test func everySyntaxCodeHasACase() {
        let tested = Set(syntaxDiagnosticCases.map(\.id))
        for code in DiagnosticCode.syntaxCodes {
            #expect(tested.contains(code.id), "no test case for \(code.id)")
        }
    }

    @Test func syntaxCodesAreUniqueErrorsInTheE01Range() {
        let ids = DiagnosticCode.syntaxCodes.map(\.id)
        #expect(Set(ids).count == ids.count)
        for code in DiagnosticCode.syntaxCodes {
            #expect(code.id.hasPrefix("E01") && code.id.count == 5)
            #expect(code.severity == .error)
        }
    }

    @Test func quotedInputStaysOnOneShortLine() {
        #expect(LexicalDiagnostics.quoted("abc") == "`abc`")
        #expect(LexicalDiagnostics.quoted("a\nb") == "`a b`")
        #expect(LexicalDiagnostics.quoted("`") == "`` ` ``")
        #expect(LexicalDiagnostics.quoted(String(repeating: "x", count: 100)) == "`" + String(repeating: "x", count: 40) + "…`")
    }

    @Test func aLongUnterminatedStringUnderlinesToTheEndOfTheLine() {
        let file = syntaxFile("policyset \"" + String(repeating: "y", count: 500))
        let d = Parser.parse(file).diagnostics
        #expect(d.map(\.code) == [.unterminatedString])
        #expect(file.text(of: d[0].span).count == 501)
    }

    @Test(arguments: syntaxDiagnosticCases)
    func messagesFollowTheStyleGuide(_ expected: SyntaxDiagnosticCase) {
        let first = expected.message.first
        #expect(first.map { !$0.isUppercase } ?? false)
        #expect(!expected.message.hasSuffix("."))
    }
}
