import PolicyLanguage
import Testing

@Suite("Checker diagnostics")
struct CheckerDiagnosticTests {
    @Test(arguments: CheckerCases.all)
    func diagnostic(_ c: DiagnosticCase) {
        expectDiagnostic(c)
    }

    @Test func oneRunReportsEveryIndependentError() {
        let result = PolicyFrontend.check("""
        policy a { when subjet.kind == agent deny "x" }
        policy b { when risk.score == "high" deny "y" }
        policy c { when location.ip in crop deny "z" }
        """)
        #expect(result.diagnostics.map(\.code.id) == ["E0203", "E0210", "E0201"])
        #expect(result.policySet == nil)
    }

    @Test func failingSubexpressionDoesNotCascade() {
        // `nope` is unknown; the comparison and the `and` must not add errors of their own.
        #expect(ids("policy p { when nope == 3 and risk.score > 2 deny \"x\" }") == ["E0201"])
    }

    @Test func optionalSignalGuardedByHasIsQuiet() {
        #expect(ids("policy p { when subject has blueprint and subject.blueprint == \"x\" deny \"x\" }").isEmpty)
        #expect(ids("policy p { when not (subject has sponsor) or subject.sponsor == \"a\" deny \"x\" }").isEmpty)
        #expect(ids("policy p { when subject has blueprint\n when subject.blueprint == \"x\" deny \"x\" }").isEmpty)
    }

    @Test func optionalSignalInTargetIsQuiet() {
        // In a target an absent signal makes the target false: no error, no warning.
        #expect(ids("policy p { target subject.blueprint == \"x\" deny \"x\" }").isEmpty)
    }

    @Test func unguardedWarningOncePerSignal() {
        #expect(ids("policy p { when subject.sponsor == \"a\" or subject.sponsor == \"b\" deny \"x\" }") == ["W0309"])
    }

    @Test func conditionalDenyDoesNotShadowAllow() {
        #expect(ids("""
        policy d { target subject.kind == agent when risk.level == high deny "x" }
        policy a { target subject.kind == agent allow }
        """).isEmpty)
    }

    @Test func narrowerDenyDoesNotShadowBroaderAllow() {
        #expect(ids("""
        policy d { target subject.kind == agent target audience == "x" deny "x" }
        policy a { target subject.kind == agent allow }
        """).isEmpty)
    }

    @Test func letsMayNameEarlierLetsAcrossFiles() {
        var sources = SourceSet()
        sources.add(path: "a.agate", text: "let base = [\"GB\"]")
        sources.add(path: "b.agate", text: "let more = base\npolicy p { when location has country and location.country in more deny \"x\" }")
        let result = PolicyFrontend.check(sources)
        #expect(result.diagnostics.isEmpty)
        #expect(result.policySet != nil)
    }

    @Test func letReferringToItself() {
        let result = PolicyFrontend.check("let a = a\npolicy p { when subject.id in a deny \"x\" }")
        #expect(result.diagnostics.first?.message == "`let a` refers to itself")
    }

    @Test func bareDynamicInBooleanPositionIsBool() {
        #expect(ids("policy p { when context.break_glass deny \"x\" }").isEmpty)
    }

    @Test func dynamicInferredFromSetAndOtherSide() {
        #expect(ids("policy p { when context has tier and context.tier in [\"a\", \"b\"] deny \"x\" }").isEmpty)
        #expect(ids("policy p { when subject.attributes has roles and \"admin\" in subject.attributes.roles deny \"x\" }").isEmpty)
        #expect(ids("policy p { when context has n and context.n > 3 deny \"x\" }").isEmpty)
    }

    @Test func targetMayUseLetsAndGroups() {
        #expect(ids("""
        let finance = ["https://a", "https://b"]
        policy p { target audience in finance target "admins" in subject.groups target subject.kind != user allow }
        """).isEmpty)
    }

    @Test func duplicateSetElementAfterWidening() {
        // 10.0.0.1 and 10.0.0.1/32 are the same network once the set is widened to cidr.
        #expect(ids("policy p { when location.ip in [10.0.0.1, 10.0.0.1/32] deny \"x\" }") == ["W0303"])
    }

    @Test func regexErrorPointsInsideThePattern() throws {
        let result = PolicyFrontend.check("policy p { when subject.id matches /a{2,1}/ deny \"x\" }")
        let d = try #require(result.diagnostics.first { $0.code.id == "E0227" })
        #expect(result.sources.files[0].text(of: d.span) == "}")
    }
}
