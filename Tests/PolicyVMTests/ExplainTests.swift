import PolicyLanguage
import Testing
@testable import PolicyVM

@Suite struct ExplainTests {
    static let source = """
        policy reads {
          description "d"
          target subject.kind == agent
          when risk.level <= low
           and location.ip in 10.0.0.0/8
          allow
        }
        policy finance_only {
          description "d"
          target audience == "https://finance"
          deny "no"
        }
        policy needs_blueprint {
          description "d"
          when subject.blueprint == "x"
          deny "no"
        }

        """

    func explain(_ request: String) throws -> Explanation {
        guard case .compiled(let set, _, _) = PolicySetLoader.load(text: Self.source, path: "e.agate") else {
            throw PolicyTestError("does not compile")
        }
        var evaluator = Evaluator(set)
        return Array(request.utf8).withUnsafeBytes { evaluator.explain(json: $0, now: T.monday) }
    }

    @Test func listsEachCandidateWithItsTestsAndSpans() throws {
        let e = try explain(T.request(#""risk":{"level":"medium"}"#))
        #expect(e.policyCount == 3)
        // `finance_only` is pruned by the audience index.
        #expect(e.policies.map(\.policy) == ["reads", "needs_blueprint"])
        let reads = e.policies[0]
        #expect(reads.status == .notMatched)
        #expect(reads.location == "e.agate:1:1")
        #expect(reads.steps == [
            ExplainStep(location: "e.agate:3:10", source: "subject.kind == agent", held: true),
            ExplainStep(location: "e.agate:4:8", source: "risk.level <= low", held: false),
        ])
        let needs = e.policies[1]
        #expect(needs.status == .errored)
        #expect(needs.error == "signal `subject.blueprint` is absent from the request")
        // The pruned policy is named with the guard the request fails.
        #expect(e.pruned.map(\.guard) == [#"audience == "https://finance""#] && e.pruned.map(\.policies) == [["finance_only"]])
        #expect(e.text().hasSuffix(#"# not a candidate, the request fails `audience == "https://finance"`: finance_only"#))
    }

    @Test func explainGivesTheSameAnswerAsDecide() throws {
        let request = T.request(#""risk":{"level":"low"}"#)
        let e = try explain(request)
        guard case .compiled(let set, _, _) = PolicySetLoader.load(text: Self.source, path: "e.agate") else { return }
        #expect(e.answer == T.decide(set, request))
        #expect(e.policies[0].status == .matched)
        #expect(e.text().contains("# policy reads (e.agate:1:1): matched"))
        #expect(e.text().contains("held   e.agate:5:8  location.ip in 10.0.0.0/8"))
    }
}
