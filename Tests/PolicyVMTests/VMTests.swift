import PolicyLanguage
import Testing
@testable import PolicyVM

/// Each construct of the language evaluated by the VM, and the per-policy rules of SEMANTICS.md.
@Suite struct VMTests {
    /// Whether a single enforce `allow` with this condition allows the request.
    func holds(_ condition: TypedExpr, _ request: String = T.request(), targets: [TypedExpr] = []) throws -> Bool {
        let set = try T.compile([T.policy("p", targets: targets, when: condition, T.allow())])
        let answer = T.decide(set, request)
        #expect(answer.errors.isEmpty, "unexpected errors: \(answer.errors)")
        return answer.decision == .allow
    }

    func errors(_ condition: TypedExpr, _ request: String = T.request()) throws -> [EvaluationErrorCode] {
        let set = try T.compile([T.policy("p", when: condition, T.deny("x"))])
        return T.decide(set, request).errors.map(\.code)
    }

    @Test func decodedRequestsAreDecidedLaterByOneEvaluator() throws {
        let set = try T.compile([
            T.policy("graph", targets: [T.eq(T.sig(.audience), T.str("https://graph"))], T.allow()),
            T.policy("ops", when: T.member(T.str("ops"), T.sig(.subjectGroups)), T.deny("ops")),
        ])
        let jsons = [T.request(), T.request(subject: #""groups":["ops"]"#), #"{"subject":{"id":3}}"#]
        var evaluator = Evaluator(set)
        let requests = jsons.map { _ in DecodedRequest(for: set) }
        var decoded: [Bool] = []
        for (json, request) in zip(jsons, requests) {
            decoded.append(Array(json.utf8).withUnsafeBytes { evaluator.decode(json: $0, now: T.monday, into: request) })
        }
        #expect(decoded == [true, true, false])
        // Interleaved with decisions on the evaluator's own frame, in any order.
        for i in [2, 0, 1, 0, 2, 1] {
            let outcome = evaluator.decideDecoded(requests[i])
            let expected = T.decide(set, jsons[i])
            #expect(outcome == expected.decision && evaluator.answer() == expected, "request \(i)")
            _ = evaluator.decide(json: Array(jsons[(i + 1) % 3].utf8), now: T.monday)
            #expect(evaluator.answer() == T.decide(set, jsons[(i + 1) % 3]))
        }
    }

    @Test func stringEqualsConstant() throws {
        #expect(try holds(T.eq(T.sig(.audience), T.str("https://graph"))))
        #expect(try !holds(T.eq(T.sig(.audience), T.str("https://other"))))
        #expect(try holds(T.cmp(.notEqual, T.sig(.audience), T.str("https://other"))))
        #expect(try holds(T.eq(T.str("https://graph"), T.sig(.audience))))
    }

    @Test func unmentionedStringsCompareByBytes() throws {
        // Neither side is a constant: both strings are unknown to the symbol table.
        let request = T.request(subject: #""sponsor":"agent-1x""#)
        #expect(try !holds(T.and(T.has(.subjectSponsor), T.eq(T.sig(.subjectID), T.sig(.subjectSponsor))), request))
        let same = T.request(subject: #""sponsor":"agent-1""#)
        #expect(try holds(T.and(T.has(.subjectSponsor), T.eq(T.sig(.subjectID), T.sig(.subjectSponsor))), same))
    }

    @Test func kindAndRiskCompare() throws {
        #expect(try holds(T.eq(T.sig(.subjectKind), T.kind(.agent))))
        #expect(try !holds(T.eq(T.sig(.subjectKind), T.kind(.user))))
        let risky = T.request(#""risk":{"level":"medium","score":70}"#)
        #expect(try holds(T.cmp(.greaterEqual, T.sig(.riskLevel), T.risk(.medium)), risky))
        #expect(try !holds(T.cmp(.greater, T.sig(.riskLevel), T.risk(.medium)), risky))
        #expect(try holds(T.cmp(.greaterEqual, T.sig(.riskScore), T.int(70)), risky))
        #expect(try holds(T.cmp(.less, T.sig(.riskScore), T.int(1))))
    }

    @Test func memberOfConstantSet() throws {
        #expect(try holds(T.member(T.sig(.audience), T.strings(["a", "https://graph"]))))
        #expect(try !holds(T.member(T.sig(.audience), T.strings(["a", "b"]))))
        #expect(try holds(T.member(T.sig(.audience), T.strings(["a", "b"]), negated: true)))
        let levels = T.k(.set([.risk(.none), .risk(.low)], elementType: .riskLevel), .set(.riskLevel))
        #expect(try holds(T.member(T.sig(.riskLevel), levels)))
    }

    @Test func constantInRequestSet() throws {
        let request = T.request(subject: #""groups":["finance","ops"]"#)
        #expect(try holds(T.member(T.str("ops"), T.sig(.subjectGroups)), request))
        #expect(try !holds(T.member(T.str("hr"), T.sig(.subjectGroups)), request))
        #expect(try !holds(T.member(T.str("ops"), T.sig(.subjectGroups))))
    }

    @Test func ipInNetworks() throws {
        let corp = T.k(.set([.cidr(T.cidr(10, 0, 0, 0, 8)), .cidr(T.cidr(192, 168, 10, 0, 24))], elementType: .cidr), .set(.cidr))
        #expect(try holds(T.member(T.sig(.locationIP), corp)))
        #expect(try !holds(T.member(T.sig(.locationIP), corp), T.request().replacingOccurrences("10.1.2.3", "11.1.2.3")))
        #expect(try holds(T.member(T.sig(.locationIP), corp), T.request().replacingOccurrences("10.1.2.3", "192.168.10.255")))
        #expect(try !holds(T.member(T.sig(.locationIP), corp), T.request().replacingOccurrences("10.1.2.3", "2001:db8::1")))
        let single = TypedExpr(.inNetwork(T.sig(.locationIP), T.cidr(10, 1, 0, 0, 16), negated: false), type: .bool, span: T.span)
        #expect(try holds(single))
        let v6 = CIDR(address: IPAddress(high: 0x2001_0db8_0000_0000, low: 0, isV4: false), prefix: 48)
        let inV6 = TypedExpr(.inNetwork(T.sig(.locationIP), v6, negated: false), type: .bool, span: T.span)
        #expect(try holds(inV6, T.request().replacingOccurrences("10.1.2.3", "2001:db8:0:ffff::1")))
        #expect(try !holds(inV6, T.request().replacingOccurrences("10.1.2.3", "2001:db9::1")))
    }

    @Test func likeGlobs() throws {
        let request = T.request(subject: #""blueprint":"readonly-reports""#)
        #expect(try holds(T.like(T.sig(.subjectBlueprint), "readonly-*"), request))
        #expect(try !holds(T.like(T.sig(.subjectBlueprint), "write-*"), request))
        #expect(try holds(T.like(T.sig(.audience), "https://*"), T.request()))
    }

    @Test func regexMatchesAnywhereWithFlags() throws {
        let request = T.request(#""scopes":["Reports.Read","Files.WriteAll"]"#)
        let body = T.matches(T.variable(0), #"\.Write(All)?$"#)
        #expect(try holds(T.any(0, T.sig(.scopes), body), request))
        #expect(try !holds(T.any(0, T.sig(.scopes), T.matches(T.variable(0), #"\.WRITE"#)), request))
        #expect(try holds(T.any(0, T.sig(.scopes), T.matches(T.variable(0), #"\.WRITE"#, "i")), request))
    }

    @Test func regexOverItsMatchLimitIsAnError() throws {
        let long = String(repeating: "a", count: 60) + "!"
        let request = T.request(subject: "\"sponsor\":\"\(long)\"")
        let condition = T.and(T.has(.subjectSponsor), T.matches(T.sig(.subjectSponsor), "^(a|aa)+$"))
        #expect(try errors(condition, request) == [.regexLimit])
    }

    @Test func quantifiersOverRequestSets() throws {
        let request = T.request(#""scopes":["a.Read","b.Read"]"#)
        #expect(try holds(T.all(0, T.sig(.scopes), T.like(T.variable(0), "*.Read")), request))
        #expect(try !holds(T.any(0, T.sig(.scopes), T.like(T.variable(0), "*.Write")), request))
        #expect(try holds(T.any(0, T.sig(.scopes), T.eq(T.variable(0), T.str("b.Read"))), request))
    }

    @Test func anyOverEmptyIsFalseAllOverEmptyIsTrue() throws {
        #expect(try !holds(T.any(0, T.sig(.scopes), T.bool(true))))
        #expect(try holds(T.all(0, T.sig(.scopes), T.bool(false))))
    }

    @Test func nestedQuantifiersOverConstantSets() throws {
        let request = T.request(#""scopes":["x","y"]"#)
        let body = T.any(1, T.strings(["y", "z"]), T.eq(T.variable(0), T.variable(1)))
        #expect(try holds(T.any(0, T.sig(.scopes), body), request))
        #expect(try !holds(T.all(0, T.sig(.scopes), body), request))
    }

    @Test func anyStopsAtTheFirstTrueBody() throws {
        // The second element would read the absent blueprint; `any` never gets there.
        let body = T.or(T.eq(T.variable(0), T.str("first")), T.eq(T.sig(.subjectBlueprint), T.str("b")))
        let request = T.request(#""scopes":["first","second"]"#)
        #expect(try errors(T.any(0, T.sig(.scopes), body), request) == [])
        let reversed = T.request(#""scopes":["second","first"]"#)
        #expect(try errors(T.any(0, T.sig(.scopes), body), reversed) == [.absentSignal])
    }

    @Test func shortCircuitSkipsErrors() throws {
        let erroring = T.eq(T.sig(.subjectBlueprint), T.str("x"))
        let never = T.eq(T.sig(.audience), T.str("nope"))
        let always = T.eq(T.sig(.audience), T.str("https://graph"))
        #expect(try errors(T.and(never, erroring)) == [])
        #expect(try errors(T.or(always, erroring)) == [])
        #expect(try errors(T.and(always, erroring)) == [.absentSignal])
        #expect(try errors(T.and(erroring, T.bool(false))) == [.absentSignal])
    }

    @Test func hasNeverErrs() throws {
        #expect(try !holds(T.has(.subjectBlueprint)))
        #expect(try holds(T.has(.subjectBlueprint), T.request(subject: #""blueprint":"b""#)))
        #expect(try holds(T.not(T.has(.locationCountry))))
        let attr = TypedExpr(.has(.dynamic(.context, name: "ticket")), type: .bool, span: T.span)
        #expect(try holds(attr, T.request(#""context":{"ticket":"T-1"}"#)))
        #expect(try !holds(attr, T.request(#""context":{"other":"T-1"}"#)))
    }

    @Test func absentOptionalSignalInATargetIsNotApplicable() throws {
        let set = try T.compile([T.policy("p", targets: [T.eq(T.sig(.subjectBlueprint), T.str("b"))], T.deny("x")),
                                 T.policy("q", targets: [T.cmp(.notEqual, T.sig(.subjectSponsor), T.str("s"))], T.deny("y")),
                                 T.policy("a", T.allow())])
        let answer = T.decide(set, T.request())
        #expect(answer.decision == .allow)
        #expect(answer.errors.isEmpty)
        #expect(T.decide(set, T.request(subject: #""blueprint":"b""#)).policies == ["p"])
    }

    @Test func dynamicAttributes() throws {
        let cost = T.dyn(.subjectAttributes, "cost_center", .string)
        #expect(try holds(T.eq(cost, T.str("cc-1")), T.request(subject: #""attributes":{"cost_center":"cc-1"}"#)))
        #expect(try errors(T.eq(cost, T.str("cc-1"))) == [.absentAttribute])
        #expect(try errors(T.eq(cost, T.str("cc-1")), T.request(subject: #""attributes":{"cost_center":7}"#)) == [.attributeType])
        let admin = T.dyn(.context, "admin", .bool)
        #expect(try holds(admin, T.request(#""context":{"admin":true}"#)))
        #expect(try !holds(admin, T.request(#""context":{"admin":false}"#)))
        let level = T.dyn(.context, "level", .int)
        #expect(try holds(T.cmp(.greater, level, T.int(2)), T.request(#""context":{"level":3}"#)))
        let tags = T.dyn(.context, "tags", .set(.string))
        #expect(try holds(T.member(T.str("x"), tags), T.request(#""context":{"tags":["y","x"]}"#)))
        #expect(try holds(T.any(0, tags, T.like(T.variable(0), "p*")), T.request(#""context":{"tags":["q","pp"]}"#)))
    }

    @Test func attributeTypeErrorMessageNamesBothTypes() throws {
        let set = try T.compile([T.policy("p", when: T.eq(T.dyn(.context, "n", .int), T.int(1)), T.deny("x"))])
        let answer = T.decide(set, T.request(#""context":{"n":"one"}"#))
        #expect(answer.errors.first?.message == "attribute `context.n` is a string in the request, the policy expects an int")
    }

    @Test func timestampDifferenceAndDuration() throws {
        let age = TypedExpr(.difference(T.sig(.time), T.sig(.subjectCreated)), type: .duration, span: T.span)
        let young = T.cmp(.less, age, T.k(.duration(7 * 86_400), .duration))
        let condition = T.and(T.has(.subjectCreated), young)
        #expect(try holds(condition, T.request(subject: #""created":"2026-11-20T00:00:00Z""#, #""time":"2026-11-23T00:00:00Z""#)))
        #expect(try !holds(condition, T.request(subject: #""created":"2026-11-01T00:00:00Z""#, #""time":"2026-11-23T00:00:00Z""#)))
        #expect(try errors(young) == [.absentSignal])
    }

    @Test func hourAndWeekdayAreUTC() throws {
        let request = T.request(#""time":"2026-11-23T23:30:00-02:00""#)  // Tuesday 01:30 UTC
        #expect(try holds(T.eq(T.sig(.timeHour), T.int(1)), request))
        #expect(try holds(T.eq(T.sig(.timeWeekday), T.k(.weekday(.tue), .weekday)), request))
    }

    @Test func timeDefaultsToTheEvaluatorsClock() throws {
        #expect(try holds(T.eq(T.sig(.timeHour), T.int(12))))
    }

    @Test func delegationSignals() throws {
        let request = T.request(#""on_behalf_of":[{"id":"user-1","kind":"user"},{"id":"agent-9","kind":"agent"},{"id":"user-1","kind":"user"}]"#)
        #expect(try holds(T.eq(T.sig(.delegationDepth), T.int(3)), request))
        #expect(try holds(T.eq(T.sig(.delegationOrigin), T.str("user-1")), request))
        #expect(try holds(T.member(T.str("agent-9"), T.sig(.delegationChain)), request))
        #expect(try holds(T.eq(T.sig(.delegationDepth), T.int(0))))
        #expect(try errors(T.eq(T.sig(.delegationOrigin), T.str("u"))) == [.absentSignal])
    }

    @Test func setDuplicatesAreIgnored() throws {
        let request = T.request(#""scopes":["a","a","b"]"#)
        let set = try T.compile([T.policy("a", T.allow())])
        #expect(T.decide(set, request).controls?.scopes == ["a", "b"])
    }

    @Test func constantFoldingKeepsErrorsBeforeADecidingConstant() throws {
        #expect(try holds(T.or(T.bool(false), T.bool(true))))
        #expect(try !holds(T.and(T.bool(true), T.not(T.bool(true)))))
        #expect(try holds(T.eq(T.int(3), T.int(3))))
    }

    @Test func aBooleanUsedAsAValue() throws {
        let admin = T.dyn(.context, "admin", .bool)
        let condition = T.eq(T.and(T.has(.subjectBlueprint), T.bool(true)), admin)
        #expect(try holds(condition, T.request(#""context":{"admin":false}"#)))
    }
}

extension String {
    func replacingOccurrences(_ a: String, _ b: String) -> String {
        split(separator: a, omittingEmptySubsequences: false).joined(separator: b)
    }
}
