import Foundation
import PolicyLanguage
import Testing

@Suite("Diagnostic rendering")
struct RenderTests {
    static let source = """
    policy p {
      when subjet.kind == agent
      deny "x"
    }
    policy p { deny "y" }
    """

    func report(_ text: String = source, limit: Int = .max) -> LintReport {
        let result = PolicyFrontend.check(text, path: "policies/a.agate")
        return LintReport(sources: result.sources, diagnostics: result.diagnostics, limit: limit)
    }

    @Test func textLayoutMatchesRustc() {
        let text = TextRenderer(color: false).render(report())
        #expect(text.hasPrefix("""
        error[E0203]: unknown signal `subjet.kind`
         --> policies/a.agate:2:8
          |
        2 |   when subjet.kind == agent
          |        ^^^^^^^^^^^
          |
          = help: did you mean `subject.kind`?

        """))
        #expect(text.contains("""
        error[E0240]: policy `p` is defined more than once
         --> policies/a.agate:5:8
          |
        1 | policy p {
          |        - first defined here
        5 | policy p { deny "y" }
          |        ^
        """) || text.contains("""
          |
        1 | policy p {
          |        - first defined here
        ...
        5 | policy p { deny "y" }
          |        ^
        """))
        #expect(text.hasSuffix("error: 2 errors in 1 file\n"))
        #expect(!text.contains("\u{1B}["))
    }

    @Test func labelInAnotherFileGetsItsOwnHeader() {
        var sources = SourceSet()
        sources.add(path: "a.agate", text: "policy p { deny \"a\" }")
        sources.add(path: "b.agate", text: "policy p { deny \"b\" }")
        let result = PolicyFrontend.check(sources)
        let text = TextRenderer(color: false).render(LintReport(sources: result.sources, diagnostics: result.diagnostics))
        #expect(text.contains("""
        error[E0240]: policy `p` is defined more than once
         --> b.agate:1:8
          |
        1 | policy p { deny "b" }
          |        ^
         ::: a.agate:1:8
          |
        1 | policy p { deny "a" }
          |        - first defined here
        """))
    }

    @Test func colourOnlyWhenAsked() {
        #expect(TextRenderer(color: true).render(report()).contains("\u{1B}[1;31merror[E0203]"))
    }

    @Test func caretsCountScalarsNotBytes() {
        let text = TextRenderer(color: false).render(report("policy p { when \"é\" == subjet.id deny \"x\" }"))
        #expect(text.contains("1 | policy p { when \"é\" == subjet.id deny \"x\" }\n  |                        ^^^^^^^^^"))
    }

    @Test func multiLineSpanUnderlinesBothEnds() {
        let text = TextRenderer(color: false).render(report("policy p {\n  when risk.score ==\n    \"x\"\n  deny \"x\"\n}"))
        #expect(text.contains("""
        2 |   when risk.score ==
          |        ^^^^^^^^^^^^^
          |        ---------- this is `int`
        3 |     "x"
          |     ^^^
          |     --- this is `string`
        """))
    }

    @Test func cappedOutputSaysHowManyMore() {
        let many = (0..<5).map { "policy p\($0) { when nope\($0) deny \"x\" }" }.joined(separator: "\n")
        let text = TextRenderer(color: false).render(report(many, limit: 2))
        #expect(text.components(separatedBy: "error[E0201]").count - 1 == 2)
        #expect(text.contains("… 3 more not shown"))
        #expect(text.hasSuffix("error: 5 errors in 1 file\n"))
    }

    @Test func jsonSchema() throws {
        let data = Data(JSONRenderer().render(report()).utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["version"] as? Int == 1)
        #expect(object["files"] as? Int == 1)
        let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
        let first = try #require(diagnostics.first)
        #expect(first["id"] as? String == "E0203")
        #expect(first["severity"] as? String == "error")
        #expect(first["message"] as? String == "unknown signal `subjet.kind`")
        #expect(first["file"] as? String == "policies/a.agate")
        #expect(first["line"] as? Int == 2)
        #expect(first["column"] as? Int == 8)
        #expect(first["end_line"] as? Int == 2)
        #expect(first["end_column"] as? Int == 19)
        #expect(first["text"] as? String == "subjet.kind")
        #expect(first["help"] as? String == "did you mean `subject.kind`?")
        let labels = try #require(diagnostics[1]["labels"] as? [[String: Any]])
        #expect(labels.first?["message"] as? String == "first defined here")
        #expect(labels.first?["line"] as? Int == 1)
        let summary = try #require(object["summary"] as? [String: Any])
        #expect(summary["errors"] as? Int == 2)
        #expect(summary["not_shown"] as? Int == 0)
    }

    @Test func jsonEscapesControlCharacters() {
        var out = ""
        JSONValue.string("a\"b\\c\n\u{01}").serialized().forEach { out.append($0) }
        #expect(out == "\"a\\\"b\\\\c\\n\\u0001\"\n")
    }

    /// Required properties of the SARIF 2.1.0 schema for what we emit: sarifLog
    /// {version, runs}, run {tool}, tool {driver}, toolComponent {name},
    /// reportingDescriptor {id}, result {message}, message {text}; plus GitHub
    /// code scanning's needs (a location with a region and a relative uri).
    @Test func sarifHasRequiredProperties() throws {
        let data = Data(SARIFRenderer(toolVersion: "0.1.0").render(report()).utf8)
        let log = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        #expect((log["$schema"] as? String)?.contains("sarif-2.1.0") == true)
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "agate")
        #expect(driver["version"] as? String == "0.1.0")
        #expect(driver["informationUri"] is String)
        let rules = try #require(driver["rules"] as? [[String: Any]])
        #expect(rules.count == DiagnosticCode.catalogue.count)
        for rule in rules {
            #expect(rule["id"] is String)
            #expect(rule["name"] is String)
            #expect((rule["shortDescription"] as? [String: Any])?["text"] is String)
            let level = (rule["defaultConfiguration"] as? [String: Any])?["level"] as? String
            #expect(["error", "warning", "note"].contains(level ?? ""))
        }
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.count == 2)
        for result in results {
            let ruleID = try #require(result["ruleId"] as? String)
            let index = try #require(result["ruleIndex"] as? Int)
            #expect(rules[index]["id"] as? String == ruleID)
            #expect(result["level"] as? String == "error")
            #expect((result["message"] as? [String: Any])?["text"] is String)
            let physical = try #require(((result["locations"] as? [[String: Any]])?.first)?["physicalLocation"] as? [String: Any])
            #expect((physical["artifactLocation"] as? [String: Any])?["uri"] as? String == "policies/a.agate")
            let region = try #require(physical["region"] as? [String: Any])
            for key in ["startLine", "startColumn", "endLine", "endColumn"] { #expect(region[key] is Int) }
        }
    }

    @Test func sarifURIsAreRelativeAndEncoded() {
        let data = Data(SARIFRenderer(toolVersion: "0").render(
            LintReport(sources: PolicyFrontend.check("policy p { when nope deny \"x\" }", path: "./my policies/a.agate").sources,
                       diagnostics: PolicyFrontend.check("policy p { when nope deny \"x\" }", path: "./my policies/a.agate").diagnostics)).utf8)
        #expect(String(decoding: data, as: UTF8.self).contains("\"uri\": \"my%20policies/a.agate\""))
    }

    @Test func githubWorkflowCommands() {
        let lines = GitHubRenderer().render(report()).split(separator: "\n")
        #expect(lines.first == "::error file=policies/a.agate,line=2,col=8,endLine=2,endColumn=18,title=E0203::unknown signal `subjet.kind`%0Ahelp: did you mean `subject.kind`?")
    }

    @Test func githubEscaping() {
        #expect(GitHubRenderer.escapeData("50% a\r\nb") == "50%25 a%0D%0Ab")
        #expect(GitHubRenderer.escapeProperty("a,b:c%") == "a%2Cb%3Ac%25")
    }
}
