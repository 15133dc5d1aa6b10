import Foundation
import Testing
@testable import PolicyLanguage

/// Keeps grammar/agate.ebnf honest: every production has an example the parser
/// accepts, and every example names a production that exists.
@Suite struct GrammarTests {
    enum Mode: Sendable { case expression, file }

    /// Examples per production. Expression-level productions are parsed with
    /// `Parser.parseExpression`, declaration-level ones as whole files.
    static let examples: [String: (Mode, [String])] = [
        // Syntactic: declarations.
        "source_unit": (.file, ["", "policyset \"s\"\ndefault deny\nlet x = 1\npolicy p { deny \"no\" }"]),
        "item": (.file, ["let x = 1", "default allow"]),
        "policyset_decl": (.file, ["policyset \"contoso-agents\""]),
        "default_decl": (.file, ["default deny", "default allow"]),
        "let_decl": (.file, ["let corp = [10.0.0.0/8]", "let hours = schedule mon..fri 08:00..18:00 \"UTC\""]),
        "policy_decl": (.file, ["policy p { }", "policy p report_only { when a deny \"x\" }"]),
        "policy_mode": (.file, ["policy p enforce { }", "policy p report_only { }", "policy p disabled { }"]),
        "clause": (.file, ["policy p { when a allow }"]),
        "description_clause": (.file, ["policy p { description \"why\" allow }"]),
        "target_clause": (.file, ["policy p { target subject.blueprint == \"x\" allow }"]),
        "when_clause": (.file, ["policy p { when risk.level <= medium allow }"]),
        "allow_clause": (.file, ["policy p { allow }", "policy p { allow { token_lifetime 15m } }"]),
        "deny_clause": (.file, ["policy p { deny }", "policy p { deny \"r\" }", "policy p { deny \"r\" { } }"]),
        "limit_clause": (.file, ["policy p { limit { require \"human_approval\" } }"]),
        "controls": (.file, ["policy p { allow { } }", "policy p { allow { scopes [\"a\"] require \"b\" } }"]),
        "control": (.file, ["policy p { limit { token_lifetime 1h } }"]),
        // Syntactic: expressions.
        "expression": (.expression, ["a", "a or b and not c == d"]),
        "disjunction": (.expression, ["a or b or c"]),
        "conjunction": (.expression, ["a and b"]),
        "negation": (.expression, ["not a", "not not a"]),
        "comparison": (.expression, ["a == b", "a"]),
        "comparison_tail": (.expression, ["a not in b", "a like \"x*\"", "a matches /x/", "a has b", "a in b"]),
        "comparison_operator": (.expression, ["a == b", "a != b", "a < b", "a <= b", "a > b", "a >= b", "a in b"]),
        "difference": (.expression, ["time - subject.created", "a - b - c"]),
        "operand": (.expression, ["1", "a and any x in s: x"]),
        "prefix_form": (.expression, ["a and not b", "a or all x in s: x"]),
        "quantified": (.expression, ["any s in scopes: s matches /\\.Write$/", "all g in [\"a\"]: g == \"a\""]),
        "primary": (.expression, ["\"s\"", "a.b", "(a)", "[]", "schedule sat 00:00..24:00 \"UTC\""]),
        "parenthesized": (.expression, ["(a or b)"]),
        "set": (.expression, ["[]", "[1]", "[1, 2,]"]),
        "path": (.expression, ["subject.attributes.cost_center", "corp_network"]),
        "attribute_name": (.expression, ["context.all", "subject has created", "context has disabled"]),
        "clause_keyword": (.file, ["policy p { description \"d\" target a when b allow deny limit { } }"]),
        "item_keyword": (.file, ["policyset \"s\" default deny let x = 1 policy p { }"]),
        "schedule": (.expression, ["schedule mon..fri 08:00..18:00 \"Europe/London\""]),
        "day_list": (.expression, ["schedule mon, wed..thu, sat 08:00..09:00 \"UTC\""]),
        "day_range": (.expression, ["schedule mon..fri 08:00..09:00 \"UTC\"", "schedule sun 08:00..09:00 \"UTC\""]),
        "literal": (.expression, ["\"x\"", "1", "true", "1h", "08:00", "10.0.0.1", "10.0.0.0/8", "/x/"]),
        "boolean": (.expression, ["true", "false"]),
        // Lexical.
        "whitespace": (.expression, [" \t\r\n1 \n"]),
        "comment": (.expression, ["1 # a comment ✓"]),
        "identifier": (.expression, ["_a1", "report_onlyx"]),
        "letter": (.expression, ["x", "Z"]),
        "digit": (.expression, ["7"]),
        "hex_digit": (.expression, ["fe80::aB"]),
        "keyword": (.expression, ["true", "not false"]),
        "operator": (.expression, ["a.b == c", "[a, b]"]),
        "string": (.expression, ["\"\"", "\"a b\""]),
        "string_character": (.expression, ["\"é✓\""]),
        "escape": (.expression, ["\"\\\" \\\\ \\n \\t \\r\""]),
        "unicode_escape": (.expression, ["\"\\u{1F600}\"", "\"\\u{41}\""]),
        "integer": (.expression, ["0", "1_000_000"]),
        "duration": (.expression, ["90s", "1h30m", "30d"]),
        "duration_part": (.expression, ["15m"]),
        "duration_unit": (.expression, ["1d", "1h", "1m", "1s"]),
        "time_of_day": (.expression, ["08:00", "23:59:59"]),
        "ip_address": (.expression, ["192.168.0.1", "::1"]),
        "ipv4_address": (.expression, ["10.1.2.3"]),
        "decimal_octet": (.expression, ["255.0.10.1"]),
        "ipv6_address": (.expression, ["2001:db8::1", "fe80::1", "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8"]),
        "h16": (.expression, ["ffff::"]),
        "network": (.expression, ["10.0.0.0/8", "2001:db8::/48"]),
        "prefix_length": (.expression, ["0.0.0.0/0", "::/128"]),
        "regex": (.expression, ["/a/", "/\\.Write(All)?$/i"]),
        "regex_character": (.expression, ["/é/"]),
        "regex_escaped": (.expression, ["/a\\/b/"]),
        "regex_flag": (.expression, ["/a/imsx"]),
    ]

    static var grammarURL: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("grammar/agate.ebnf")
    }

    /// The grammar text with `(* … *)` comments removed.
    static func grammarWithoutComments() throws -> String {
        var text = try String(contentsOf: grammarURL, encoding: .utf8)
        while let open = text.range(of: "(*"), let close = text.range(of: "*)", range: open.upperBound..<text.endIndex) {
            text.removeSubrange(open.lowerBound..<close.upperBound)
        }
        return text
    }

    /// Production name → right-hand side.
    static func productions() throws -> [String: String] {
        var result: [String: String] = [:]
        for statement in try grammarWithoutComments().split(separator: ";", omittingEmptySubsequences: true) {
            // A production is `name = rhs`; `;` inside terminals never occurs in this grammar.
            guard let equals = statement.firstIndex(of: "=") else { continue }
            let name = statement[..<equals].trimmingCharacters(in: .whitespacesAndNewlines)
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0 == "_" || $0.isNumber }) else { continue }
            result[name] = String(statement[statement.index(after: equals)...])
        }
        return result
    }

    /// The double-quoted terminals in a production's right-hand side.
    static func terminals(_ rhs: String) -> Set<String> {
        Set(rhs.split(separator: "\"", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) })
    }

    @Test func grammarHasTheCoreProductions() throws {
        let names = try Self.productions().keys
        #expect(names.count >= 50)
        for core in ["source_unit", "policy_decl", "expression", "string", "ipv6_address", "regex"] {
            #expect(names.contains(core))
        }
    }

    @Test func everyProductionHasAnExample() throws {
        for name in try Self.productions().keys.sorted() {
            #expect(!(Self.examples[name]?.1.isEmpty ?? true), "production `\(name)` has no example")
        }
    }

    @Test func everyExampleNamesAProduction() throws {
        let names = Set(try Self.productions().keys)
        for name in Self.examples.keys.sorted() {
            #expect(names.contains(name), "example for `\(name)`, which is not in grammar/agate.ebnf")
        }
    }

    @Test func everyExampleParses() {
        for (name, (mode, sources)) in Self.examples.sorted(by: { $0.key < $1.key }) {
            for source in sources {
                let file = syntaxFile(source)
                let diagnostics = mode == .file
                    ? Parser.parse(file).diagnostics : Parser.parseExpression(file).diagnostics
                #expect(diagnostics.isEmpty, "`\(name)` example \(source): \(diagnostics.map(\.message))")
            }
        }
    }

    @Test func keywordProductionMatchesTheLexer() throws {
        let rhs = try #require(try Self.productions()["keyword"])
        #expect(Self.terminals(rhs) == Set(Keywords.all.map(\.0)))
    }

    @Test func operatorProductionMatchesTheLexer() throws {
        let rhs = try #require(try Self.productions()["operator"])
        let lexed = Set(TokenKind.allCases.filter { !$0.isKeyword }.compactMap(\.spelling))
        #expect(Self.terminals(rhs) == lexed)
    }

    @Test func clauseAndItemKeywordsMatchTheParser() throws {
        let productions = try Self.productions()
        let clauses = try #require(productions["clause_keyword"])
        let items = try #require(productions["item_keyword"])
        #expect(Self.terminals(clauses) == Set(TokenKind.allCases.filter(\.startsClause).compactMap(\.spelling)))
        #expect(Self.terminals(items) == Set(TokenKind.allCases.filter(\.startsItem).compactMap(\.spelling)))
    }

    static var referenceURL: URL {
        grammarURL.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/language.md")
    }

    @Test func languageReferenceListsEverySyntaxCode() throws {
        let reference = try String(contentsOf: Self.referenceURL, encoding: .utf8)
        for code in DiagnosticCode.syntaxCodes {
            #expect(reference.contains("| \(code.id) | \(code.name) |"), "docs/language.md lacks \(code.id)")
        }
    }

    @Test func languageReferenceListsEveryKeyword() throws {
        let reference = try String(contentsOf: Self.referenceURL, encoding: .utf8)
        let block = try #require(reference.components(separatedBy: "```").first { $0.contains("policyset default let") })
        let listed = Set(block.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
        #expect(listed == Set(Keywords.all.map(\.0)))
    }

    @Test func policyModesMatchTheAST() throws {
        let rhs = try #require(try Self.productions()["policy_mode"])
        #expect(Self.terminals(rhs) == Set(PolicyMode.allCases.map(\.rawValue)))
    }
}
