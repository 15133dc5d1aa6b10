import Testing
@testable import PolicyLanguage

/// The example from LANGUAGE.md, verbatim: it must parse with no diagnostics.
let syntaxShowcase = #"""
# policies/finance.agate
policyset "contoso-agents"          # at most one name per set; all files that declare it agree
default deny                        # optional, at most once per set; default deny

let corp_network   = [10.0.0.0/8, 192.168.10.0/24, 2001:db8::/48]
let eu_countries   = ["GB", "IE", "NL", "DE"]
let business_hours = schedule mon..fri 08:00..18:00 "Europe/London"
let reviewers      = eu_countries   # a let may name earlier lets; lets are set-wide

policy finance_reporting_reads {                # mode optional: enforce | report_only | disabled
  description "Finance agents read reports from the office, in hours."
  target subject.blueprint == "finance-reporting"
  target audience in ["https://finance.contoso.com", "https://graph.contoso.com"]
  when location.ip in corp_network
   and location.country in eu_countries
   and time in business_hours
   and risk.level <= medium
  allow {
    token_lifetime 15m
    scopes ["Reports.Read", "Invoices.Read"]
    require "human_approval"
  }
}
policy readonly_never_writes {
  target subject.blueprint like "readonly-*"
  when any s in scopes: s matches /\.Write(All)?$/i
  deny "read-only agents may not ask for write scopes"
}
policy short_delegation report_only {
  when delegation.depth > 2
  deny "delegation chain longer than two hops"
}
policy new_agents_need_approval {
  when subject has created and time - subject.created < 7d
  limit { require "human_approval" }
}
"""#

func parseCleanFile(_ text: String) throws -> SourceUnit {
    let (unit, diagnostics) = Parser.parse(syntaxFile(text))
    #expect(diagnostics.isEmpty, "\(diagnostics.map { "\($0.code.id) \($0.message)" })")
    return unit
}

@Suite struct ParserDeclarationTests {
    @Test func theShowcaseParsesCleanly() throws {
        let unit = try parseCleanFile(syntaxShowcase)
        #expect(unit.items.count == 10)
        guard case .policy(let reads) = unit.items[6] else {
            Issue.record("item 6 should be a policy")
            return
        }
        #expect(reads.name.name == "finance_reporting_reads")
        #expect(reads.mode == nil)
        #expect(reads.clauses.count == 5)
        guard case .allow(let controls?, _) = reads.clauses[4] else {
            Issue.record("last clause should be allow with controls")
            return
        }
        #expect(controls.controls.map(\.name.name) == ["token_lifetime", "scopes", "require"])
    }

    @Test func headerItems() throws {
        let unit = try parseCleanFile("policyset \"s\"\ndefault allow\nlet x = 1")
        guard case .policySet(let name, _) = unit.items[0],
              case .defaultDecision(let decision, _) = unit.items[1],
              case .binding(let binding) = unit.items[2] else {
            Issue.record("wrong items: \(unit.items)")
            return
        }
        #expect(name.value == "s")
        #expect(decision == .allow)
        #expect(binding.name.name == "x")
        #expect(syntaxTree(binding.value) == "1")
    }

    @Test(arguments: [("enforce", PolicyMode.enforce), ("report_only", .reportOnly), ("disabled", .disabled)])
    func policyModes(_ word: String, _ mode: PolicyMode) throws {
        let text = "policy p \(word) { deny \"x\" }"
        let unit = try parseCleanFile(text)
        guard case .policy(let policy) = unit.items.first else { Issue.record("no policy"); return }
        #expect(policy.mode == mode)
        #expect(policy.modeSpan.map { syntaxFile(text).text(of: $0) } == word)
    }

    @Test func denyForms() throws {
        let unit = try parseCleanFile("""
            policy a { deny }
            policy b { deny "r" }
            policy c { deny "r" { require "x" } }
            policy d { deny { scopes [] } }
            """)
        var shapes: [String] = []
        for item in unit.items {
            guard case .policy(let p) = item, case .deny(let reason, let controls, _) = p.clauses[0] else { continue }
            shapes.append("\(reason?.value ?? "-"):\(controls?.controls.count ?? -1)")
        }
        #expect(shapes == ["-:-1", "r:-1", "r:1", "-:1"])
    }

    @Test func spansOfDeclarations() throws {
        let text = "policy p {\n  when a\n  allow { token_lifetime 1h }\n}\nlet x = [1]"
        let file = syntaxFile(text)
        let unit = try parseCleanFile(text)
        guard case .policy(let p) = unit.items[0], case .binding(let l) = unit.items[1] else {
            Issue.record("wrong items")
            return
        }
        #expect(file.text(of: p.span) == "policy p {\n  when a\n  allow { token_lifetime 1h }\n}")
        #expect(file.text(of: p.clauses[0].span) == "when a")
        #expect(file.text(of: p.clauses[1].span) == "allow { token_lifetime 1h }")
        #expect(file.text(of: l.span) == "let x = [1]")
        #expect(file.text(of: p.name.span) == "p")
    }

    @Test func independentErrorsAreAllReportedWithoutCascades() {
        let text = """
            policy a {
              when x ==
              deny "x"
            }
            policy b {
              when (y
              deny "y"
            }
            let = 3
            policy c { frobnicate 1 2 3 deny "z" }
            policy d { allow { token_lifetime } deny "w" }
            """
        let (unit, diagnostics) = Parser.parse(syntaxFile(text))
        #expect(diagnostics.map(\.code.id) == ["E0120", "E0122", "E0121", "E0124", "E0120"],
                "\(diagnostics.map(\.message))")
        let names = unit.items.compactMap { item -> String? in
            if case .policy(let p) = item { return p.name.name }
            return nil
        }
        #expect(names == ["a", "b", "c", "d"])
    }

    @Test func unclosedControlsBlockDoesNotSwallowThePolicyBrace() {
        let text = "policy a { allow { token_lifetime 1h\n deny \"x\" }\npolicy b { deny \"y\" }"
        let (unit, diagnostics) = Parser.parse(syntaxFile(text))
        #expect(diagnostics.map(\.code.id) == ["E0122"])
        #expect(unit.items.count == 2)
    }

    @Test func unknownModeIsReportedAndTheBodyStillParses() {
        let (unit, diagnostics) = Parser.parse(syntaxFile("policy p reportonly { deny \"x\" }"))
        #expect(diagnostics.map(\.message) == ["unknown policy mode `reportonly`"])
        guard case .policy(let p) = unit.items.first else { Issue.record("no policy"); return }
        #expect(p.clauses.count == 1)
    }

    @Test func commentsAndNewlinesAreInsignificant() throws {
        let unit = try parseCleanFile("policy # name next\n p\n{when\na\nand # c\nb deny\n\"x\"}")
        guard case .policy(let p) = unit.items.first, case .when(let e, _) = p.clauses[0] else {
            Issue.record("no policy")
            return
        }
        #expect(syntaxTree(e) == "(and a b)")
    }
}
