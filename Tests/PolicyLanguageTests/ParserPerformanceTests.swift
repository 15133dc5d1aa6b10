import Testing
@testable import PolicyLanguage

/// A realistic policy, varied by `index` so no two are identical.
func syntaxBenchmarkPolicy(_ index: Int) -> String {
    """
    policy finance_reads_\(index) report_only {
      description "Generated policy number \(index)."
      target subject.blueprint == "blueprint-\(index % 97)"
      target audience in ["https://a\(index).contoso.com", "https://graph.contoso.com"]
      when location.ip in [10.\(index % 256).0.0/16, 2001:db8::/48, fe80::\(index % 9999)]
       and time in schedule mon..fri 08:00..18:30 "Europe/London"
       and risk.level <= medium
       and not (any s in scopes: s matches /\\.Write(All)?$/i)
       and (subject has created and time - subject.created < 7d)
      allow {
        token_lifetime 1h30m
        scopes ["Reports.Read", "Invoices.Read"]
        require "human_approval"
      }
    }

    """
}

@Suite struct ParserPerformanceTests {
    /// Catches accidental quadratic behaviour: twice the input must cost about
    /// twice the time, not four times. Debug builds are slow, so the absolute
    /// bound is loose; release figures are in the report.
    @Test func parsingScalesLinearly() {
        func timeToParse(_ count: Int) -> Duration {
            var text = ""
            for i in 0..<count { text += syntaxBenchmarkPolicy(i) }
            let file = syntaxFile(text)
            let clock = ContinuousClock()
            var best = Duration.seconds(1_000)
            for _ in 0..<3 {
                let elapsed = clock.measure {
                    let (unit, diagnostics) = Parser.parse(file)
                    #expect(unit.items.count == count)
                    #expect(diagnostics.isEmpty)
                }
                best = min(best, elapsed)
            }
            return best
        }
        let small = timeToParse(1_000)
        let large = timeToParse(4_000)
        #expect(large < small * 8, "1k: \(small), 4k: \(large)")
        #expect(large < .seconds(30))
    }
}
