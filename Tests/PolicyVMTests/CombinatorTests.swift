import PolicyLanguage
import Testing
@testable import PolicyVM

/// SEMANTICS.md "Per policy" and "Combining": one test per arm and rule.
@Suite struct CombinatorTests {
    let yes = T.bool(true)
    let no = T.bool(false)
    /// Reads the absent `subject.blueprint`: an `absent_signal` error.
    let erroring = T.eq(T.sig(.subjectBlueprint), T.str("x"))

    @Test func denyOverridesAllow() throws {
        let set = try T.compile([T.policy("a", when: yes, T.allow()), T.policy("d", when: yes, T.deny("no"))])
        let answer = T.decide(set, T.request())
        #expect(answer.decision == .deny)
        #expect(answer.policies == ["d"])
        #expect(answer.reasons == ["no"])
        #expect(answer.controls == nil)
    }

    @Test func everyMatchedDenyIsListedWithItsReasonInPolicyOrder() throws {
        let set = try T.compile([T.policy("d1", when: yes, T.deny("one")), T.policy("d2", when: no, T.deny("two")),
                                 T.policy("d3", T.deny("three"))])
        let answer = T.decide(set, T.request())
        #expect(answer.policies == ["d1", "d3"])
        #expect(answer.reasons == ["one", "three"])
    }

    @Test func allowWhenAnAllowMatchesListsAllowsAndLimits() throws {
        let set = try T.compile([T.policy("l", T.limit(Controls(require: ["mfa"]))), T.policy("a", T.allow()),
                                 T.policy("a2", when: no, T.allow())])
        let answer = T.decide(set, T.request())
        #expect(answer.decision == .allow)
        #expect(answer.policies == ["l", "a"])
        #expect(answer.reasons == [])
        #expect(answer.controls == GrantedControls(tokenLifetime: nil, scopes: [], require: ["mfa"]))
    }

    @Test func defaultDenyWhenNothingAllows() throws {
        let set = try T.compile([T.policy("a", when: no, T.allow()), T.policy("l", T.limit(Controls(tokenLifetime: 60)))])
        let answer = T.decide(set, T.request())
        #expect(answer.decision == .deny)
        #expect(answer.policies == [])
        #expect(answer.reasons == ["no policy allows the request"])
        #expect(answer.controls == nil)
    }

    @Test func defaultAllowListsMatchedLimitsAndMergesTheirControls() throws {
        let set = try T.compile([T.policy("l", T.limit(Controls(tokenLifetime: 60))), T.policy("a", when: no, T.allow())],
                                default: .allow)
        let answer = T.decide(set, T.request())
        #expect(answer.decision == .allow)
        #expect(answer.policies == ["l"])
        #expect(answer.controls?.tokenLifetime == 60)
    }

    @Test func erroredDenyCountsAsMatched() throws {
        let set = try T.compile([T.policy("a", T.allow()), T.policy("d", when: erroring, T.deny("blocked"))])
        let answer = T.decide(set, T.request())
        #expect(answer.decision == .deny)
        #expect(answer.policies == ["d"])
        #expect(answer.errors.map(\.code) == [.absentSignal])
        #expect(answer.errors.first?.policy == "d")
    }

    @Test func erroredAllowCountsAsNotMatched() throws {
        let set = try T.compile([T.policy("a", when: erroring, T.allow())])
        let answer = T.decide(set, T.request())
        #expect(answer.decision == .deny)
        #expect(answer.reasons == ["no policy allows the request"])
        #expect(answer.errors.map(\.policy) == ["a"])
    }

    @Test func erroredLimitAppliesItsControls() throws {
        let set = try T.compile([T.policy("a", T.allow()),
                                 T.policy("l", when: erroring, T.limit(Controls(tokenLifetime: 30, require: ["mfa"])))])
        let answer = T.decide(set, T.request())
        #expect(answer.decision == .allow)
        #expect(answer.policies == ["a", "l"])
        #expect(answer.controls == GrantedControls(tokenLifetime: 30, scopes: [], require: ["mfa"]))
        #expect(answer.errors.count == 1)
    }

    @Test func reportOnlyIsListedAndNeverChangesTheDecision() throws {
        let set = try T.compile([T.policy("a", T.allow()), T.policy("r", .reportOnly, T.deny("would block")),
                                 T.policy("rl", .reportOnly, when: erroring, T.limit(Controls(tokenLifetime: 1))),
                                 T.policy("ra", .reportOnly, when: erroring, T.allow())])
        let answer = T.decide(set, T.request())
        #expect(answer.decision == .allow)
        #expect(answer.policies == ["a"])
        #expect(answer.reportOnly == [ReportOnlyResult(policy: "r", would: .deny), ReportOnlyResult(policy: "rl", would: .limit)])
        #expect(answer.controls?.tokenLifetime == nil)
        #expect(answer.errors.map(\.policy) == ["rl", "ra"])
    }

    @Test func disabledPoliciesAreNeverEvaluated() throws {
        let set = try T.compile([T.policy("a", T.allow()), T.policy("d", .disabled, when: erroring, T.deny("x"))])
        let answer = T.decide(set, T.request())
        #expect(answer.decision == .allow)
        #expect(answer.errors.isEmpty)
        #expect(set.policyCount == 2)
    }

    @Test func controlsMergeMostRestrictive() throws {
        let set = try T.compile([
            T.policy("a", T.allow(Controls(tokenLifetime: 900, scopes: ["A", "B", "C"], require: ["mfa"]))),
            T.policy("l", T.limit(Controls(tokenLifetime: 300, scopes: ["B", "C", "D"], require: ["approval", "mfa"]))),
            T.policy("l2", T.limit(Controls(require: ["device"]))),
        ])
        let answer = T.decide(set, T.request(#""scopes":["C","A","B","C","Z"]"#))
        #expect(answer.decision == .allow)
        #expect(answer.controls == GrantedControls(tokenLifetime: 300, scopes: ["C", "B"], require: ["mfa", "approval", "device"]))
    }

    @Test func requestedScopesPassUnchangedWithoutACeiling() throws {
        let set = try T.compile([T.policy("a", T.allow())])
        let answer = T.decide(set, T.request(#""scopes":["x","y","x"]"#))
        #expect(answer.controls?.scopes == ["x", "y"])
    }

    @Test func noGrantedScopeTurnsTheAllowIntoADeny() throws {
        let set = try T.compile([T.policy("a", T.allow(Controls(scopes: ["A"])))])
        let answer = T.decide(set, T.request(#""scopes":["B"]"#))
        #expect(answer.decision == .deny)
        #expect(answer.policies == ["a"])
        #expect(answer.reasons == ["none of the requested scopes is granted"])
        #expect(answer.controls == nil)
    }

    @Test func noRequestedScopesIsNotADeny() throws {
        let set = try T.compile([T.policy("a", T.allow(Controls(scopes: ["A"])))])
        #expect(T.decide(set, T.request()).decision == .allow)
    }

    @Test func invalidRequestFailsClosedAndRunsNoPolicy() throws {
        let set = try T.compile([T.policy("a", T.allow())])
        let answer = T.decide(set, #"{"subject":{"id":"x","kind":"agent"},"audience":"a","location":{"ip":"999.1.1.1"}}"#)
        #expect(answer.decision == .deny)
        #expect(answer.policies == [])
        #expect(answer.reasons == ["the request is invalid"])
        #expect(answer.errors.count == 1)
        #expect(answer.errors.first?.code == .invalidRequest)
        #expect(answer.errors.first?.path == "location.ip")
        #expect(answer.errors.first?.policy == nil)
    }

    @Test func unknownTopLevelFieldsAreWarnings() throws {
        let set = try T.compile([T.policy("a", T.allow())])
        let answer = T.decide(set, T.request(#""foo":{"bar":[1,2]},"zap":null"#))
        #expect(answer.decision == .allow)
        #expect(answer.warnings == ["unknown field `foo`", "unknown field `zap`"])
    }

    @Test func errorsAreListedInPolicyOrder() throws {
        let set = try T.compile([T.policy("e1", when: erroring, T.deny("1")), T.policy("ok", T.allow()),
                                 T.policy("e2", .reportOnly, when: erroring, T.deny("2"))])
        #expect(T.decide(set, T.request()).errors.map(\.policy) == ["e1", "e2"])
    }

    @Test func answerJSONHasTheFixedFieldOrder() throws {
        let set = try T.compile([T.policy("a", T.allow(Controls(tokenLifetime: 900)))])
        let json = T.decide(set, T.request(#""scopes":["R"]"#)).json()
        #expect(json == #"{"decision":"allow","policies":["a"],"controls":{"token_lifetime_s":900,"scopes":["R"],"require":[]},"reasons":[],"report_only":[],"errors":[],"warnings":[],"policyset":""# + set.hash + #""}"#)
    }

    @Test func writeAnswerFieldsMatchesTheMaterialisedAnswer() throws {
        let set = try T.compile([T.policy("a", T.allow()), T.policy("d", when: erroring, T.deny("b\"q")),
                                 T.policy("r", .reportOnly, T.deny("x"))])
        var evaluator = Evaluator(set)
        _ = evaluator.decide(json: Array(T.request(#""odd\n":1"#).utf8), now: T.monday)
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        evaluator.writeAnswerFields(into: &bytes)
        bytes.append(UInt8(ascii: "}"))
        #expect(String(decoding: bytes, as: UTF8.self) == evaluator.answer().json())
        #expect(try Answer(json: bytes) == evaluator.answer())
    }
}
