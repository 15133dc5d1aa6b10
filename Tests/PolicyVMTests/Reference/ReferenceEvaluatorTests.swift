import Foundation
import PolicyLanguage
import Testing
@testable import PolicyVM

/// The oracle pinned on hand-built checked IR, one test per rule of SEMANTICS.md,
/// so a differential mismatch can be blamed on the right side.
@Suite("Reference evaluator (the oracle)")
struct ReferenceEvaluatorTests {
    static let span = Span(file: FileID(0), start: 0, end: 0)

    static func expr(_ kind: TypedExprKind, _ type: ValueType = .bool) -> TypedExpr { TypedExpr(kind, type: type, span: span) }
    static func signal(_ s: Signal) -> TypedExpr { expr(.signal(s), s.info.type) }
    static func string(_ s: String) -> TypedExpr { expr(.constant(.string(s)), .string) }
    static let yes = expr(.constant(.bool(true)))
    static let no = expr(.constant(.bool(false)))
    /// Reading the absent `subject.blueprint` (absent in `baseRequest`): an `absent_signal` error.
    static let failing = expr(.compare(.equal, signal(.subjectBlueprint), string("x")))

    static func policy(_ name: String, _ effect: CheckedEffect, mode: PolicyMode = .enforce,
                       targets: [TypedExpr] = [], when condition: TypedExpr? = nil) -> CheckedPolicy {
        CheckedPolicy(name: name, description: nil, mode: mode, targets: targets, condition: condition,
                      effect: effect, span: span)
    }

    static func decide(_ policies: [CheckedPolicy], default decision: DecisionKeyword = .deny,
                       _ request: Request = baseRequest) -> ComparableAnswer {
        ReferenceEvaluator(CheckedPolicySet(name: "t", defaultDecision: decision, policies: policies,
                                            sources: SourceSet())).decide(request)
    }

    static let baseRequest = Request(
        subject: .init(id: "agent-1", kind: .agent), audience: "https://a", scopes: ["A.Read", "B.Write"],
        ip: RequestJSONIP.parse("10.1.2.3")!, time: RequestJSONTime.parse("2026-03-29T07:30:00Z")!)

    @Test func denyOverridesAllow() {
        let a = Self.decide([Self.policy("allow_all", .allow(Controls())), Self.policy("no", .deny(reason: "r"))])
        #expect(a.decision == "deny" && a.policies == ["no"] && a.reasons == ["r"] && a.controls == nil)
    }

    @Test func defaultDenyGivesItsReason() {
        let a = Self.decide([Self.policy("never", .allow(Controls()), when: Self.no)])
        #expect(a.decision == "deny" && a.policies.isEmpty && a.reasons == ["no policy allows the request"])
    }

    @Test func defaultAllowListsMatchedLimits() {
        let a = Self.decide([Self.policy("cap", .limit(Controls(tokenLifetime: 60)))], default: .allow)
        #expect(a.decision == "allow" && a.policies == ["cap"] && a.controls?.tokenLifetime == 60)
    }

    @Test func controlsMergeMostRestrictive() {
        let a = Self.decide([
            Self.policy("a", .allow(Controls(tokenLifetime: 900, scopes: ["B.Write", "A.Read", "C"], require: ["mfa"]))),
            Self.policy("b", .limit(Controls(tokenLifetime: 300, scopes: ["A.Read"], require: ["approval", "mfa"]))),
            Self.policy("c", .allow(Controls())),
        ])
        #expect(a.decision == "allow" && a.policies == ["a", "b", "c"])
        #expect(a.controls == .init(tokenLifetime: 300, scopes: ["A.Read"], require: ["mfa", "approval"]))
    }

    @Test func noGrantedScopeIsADeny() {
        let a = Self.decide([Self.policy("a", .allow(Controls(scopes: ["Other"])))])
        #expect(a.decision == "deny" && a.policies == ["a"] && a.controls == nil)
        #expect(a.reasons == ["none of the requested scopes is granted"])
    }

    @Test func erroredDenyMatchesErroredAllowDoesNotErroredLimitApplies() {
        let a = Self.decide([
            Self.policy("ok", .allow(Controls())),
            Self.policy("bad_allow", .allow(Controls()), when: Self.failing),
            Self.policy("bad_limit", .limit(Controls(tokenLifetime: 5)), when: Self.failing),
        ])
        #expect(a.decision == "allow" && a.policies == ["ok", "bad_limit"] && a.controls?.tokenLifetime == 5)
        #expect(a.errors == [.init(policy: "bad_allow", code: "absent_signal"), .init(policy: "bad_limit", code: "absent_signal")])
        let d = Self.decide([Self.policy("ok", .allow(Controls())), Self.policy("bad_deny", .deny(reason: "r"), when: Self.failing)])
        #expect(d.decision == "deny" && d.policies == ["bad_deny"])
    }

    @Test func absentSignalInATargetMeansNotApplicable() {
        let a = Self.decide([Self.policy("t", .deny(reason: "r"), targets: [Self.failing])])
        #expect(a.decision == "deny" && a.policies.isEmpty && a.errors.isEmpty)
    }

    @Test func shortCircuitSkipsErrors() {
        let and = Self.expr(.and([Self.no, Self.failing]))
        let or = Self.expr(.or([Self.yes, Self.failing]))
        let a = Self.decide([Self.policy("p", .deny(reason: "r"), when: and), Self.policy("q", .allow(Controls()), when: or)])
        #expect(a.decision == "allow" && a.errors.isEmpty)
    }

    @Test func quantifiersOverEmptySets() {
        let variable = Self.expr(.variable(slot: 0), .string)
        let body = Self.expr(.compare(.equal, variable, Self.string("x")))
        let any = Self.expr(.quantified(.any, slot: 0, source: Self.signal(.riskSignals), body: body))
        let all = Self.expr(.quantified(.all, slot: 0, source: Self.signal(.riskSignals), body: body))
        let a = Self.decide([Self.policy("any", .deny(reason: "r"), when: any), Self.policy("all", .allow(Controls()), when: all)])
        #expect(a.decision == "allow" && a.policies == ["all"])
    }

    @Test func reportOnlyIsListedAndNeverDecides() {
        let a = Self.decide([
            Self.policy("would_deny", .deny(reason: "r"), mode: .reportOnly),
            Self.policy("would_limit_errored", .limit(Controls(tokenLifetime: 1)), mode: .reportOnly, when: Self.failing),
            Self.policy("would_allow_errored", .allow(Controls()), mode: .reportOnly, when: Self.failing),
            Self.policy("off", .deny(reason: "r"), mode: .disabled, when: Self.failing),
        ])
        #expect(a.decision == "deny" && a.reasons == ["no policy allows the request"])
        #expect(a.reportOnly == [.init(policy: "would_deny", would: "deny"), .init(policy: "would_limit_errored", would: "limit")])
        #expect(a.errors.map(\.policy) == ["would_limit_errored", "would_allow_errored"])
    }

    @Test func schedulesFollowDaylightSaving() {
        // 2026-03-29 is a Sunday; London moved to BST at 01:00Z, so 07:30Z is 08:30 local.
        let sunday = Schedule(weekdays: 1 << 7, start: 8 * 3600, end: 18 * 3600, zone: "Europe/London")
        #expect(ReferenceSchedule.contains(sunday, RequestJSONTime.parse("2026-03-29T07:30:00Z")!))
        #expect(!ReferenceSchedule.contains(sunday, RequestJSONTime.parse("2026-03-28T07:30:00Z")!))
        #expect(!ReferenceSchedule.contains(sunday, RequestJSONTime.parse("2026-03-29T06:59:59Z")!))
        #expect(ReferenceSchedule.contains(sunday, RequestJSONTime.parse("2026-03-29T07:00:00Z")!))
        #expect(!ReferenceSchedule.contains(sunday, RequestJSONTime.parse("2026-03-29T17:00:00Z")!))
        let allDay = Schedule(weekdays: 0b1111_1110, start: 0, end: 86400, zone: "Asia/Kolkata")
        #expect(ReferenceSchedule.contains(allDay, 0))
    }

    @Test func globs() {
        #expect(ReferenceGlob.matches("readonly-x", pattern: "readonly-*"))
        #expect(ReferenceGlob.matches("", pattern: "*"))
        #expect(ReferenceGlob.matches("a*b", pattern: #"a\*b"#))
        #expect(!ReferenceGlob.matches("axb", pattern: #"a\*b"#))
        #expect(ReferenceGlob.matches("ÉTÉ", pattern: "É*É"))
        #expect(!ReferenceGlob.matches("abc", pattern: "a*d*"))
    }

    @Test func pathologicalRegexHitsTheLimit() throws {
        let regex = ReferenceRegex()
        let literal = RegexLiteral(pattern: Vocabulary.pathologicalRegex.pattern, flags: "")
        #expect(throws: ReferenceEvaluator.Failure.self) { try regex.matches(Vocabulary.pathologicalSubject, literal) }
        #expect(try regex.matches("aaaa", literal))
        #expect(try regex.matches("X.WRITE", RegexLiteral(pattern: #"\.write$"#, flags: "i")))
    }

    @Test func dynamicAttributesCheckTheirType() {
        var r = Self.baseRequest
        r.context = ["level": .string("high")]
        let read = Self.expr(.compare(.greater, Self.expr(.dynamic(.context, name: "level"), .int),
                                      Self.expr(.constant(.int(2)), .int)))
        let absent = Self.expr(.dynamic(.context, name: "missing"), .bool)
        let a = Self.decide([Self.policy("t", .deny(reason: "r"), when: read), Self.policy("u", .deny(reason: "s"), when: absent)],
                            r)
        #expect(a.errors == [.init(policy: "t", code: "attribute_type"), .init(policy: "u", code: "absent_attribute")])
    }

    @Test func networksContainTheirAddresses() throws {
        let v4 = CIDR(address: try #require(RequestJSONIP.parse("10.0.0.0")), prefix: 96 + 8)
        #expect(ReferenceNetwork.contains(v4, try #require(RequestJSONIP.parse("10.255.0.1"))))
        #expect(!ReferenceNetwork.contains(v4, try #require(RequestJSONIP.parse("11.0.0.0"))))
        let v6 = CIDR(address: try #require(RequestJSONIP.parse("2001:db8::")), prefix: 48)
        #expect(ReferenceNetwork.contains(v6, try #require(RequestJSONIP.parse("2001:db8:0:ffff::1"))))
        #expect(!ReferenceNetwork.contains(v6, try #require(RequestJSONIP.parse("2001:db9::"))))
        let everything = CIDR(address: try #require(RequestJSONIP.parse("::")), prefix: 0)
        #expect(ReferenceNetwork.contains(everything, try #require(RequestJSONIP.parse("10.1.2.3"))))
    }
}
