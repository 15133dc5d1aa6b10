import PolicyLanguage
import Testing
@testable import PolicyVM

/// The policy index files each policy under one necessary condition (a
/// target, or the first conjunct of `when`) and runs it only for requests
/// that pass it. These pin which policies become candidates, and that
/// pruning never changes an answer (absent signals still fail closed).
@Suite struct IndexGuardTests {
    static func compile(_ source: String) throws -> CompiledPolicySet {
        switch PolicySetLoader.load(text: source) {
        case .compiled(let set, _, _): return set
        case .failed(let diagnostics, _, _):
            throw PolicyTestError("the test policies do not compile: \(diagnostics.map(\.message))")
        }
    }

    static func policy(_ name: String, _ body: String, _ effect: String = #"deny "no""#) -> String {
        "policy \(name) {\n  description \"d\"\n  \(body)\n  \(effect)\n}\n"
    }

    /// The candidate policy names and the answer for one request.
    static func run(_ set: CompiledPolicySet, _ json: String) -> (candidates: [String], answer: Answer) {
        var evaluator = Evaluator(set)
        _ = evaluator.decide(json: Array(json.utf8), now: T.monday)
        let names = (0..<evaluator.state.candidateCount).map {
            set.program.policies[Int(evaluator.state.candidates[$0])].name
        }
        return (names, evaluator.answer())
    }

    static func request(country: String? = nil, ip: String = "10.1.2.3", blueprint: String? = nil,
                        sponsor: String? = nil, audience: String = "https://graph") -> String {
        let b = (blueprint.map { #","blueprint":"\#($0)""# } ?? "") + (sponsor.map { #","sponsor":"\#($0)""# } ?? "")
        let c = country.map { #","country":"\#($0)""# } ?? ""
        return #"{"subject":{"id":"agent-1","kind":"agent"\#(b)},"audience":"\#(audience)","location":{"ip":"\#(ip)"\#(c)}}"#
    }

    @Test func firstConditionOnAnOptionalSignalLetsAbsenceThrough() throws {
        let set = try Self.compile(Self.policy("foreign", #"when location.country not in ["GB", "IE"] and risk.score >= 0"#))
        let home = Self.run(set, Self.request(country: "GB"))
        #expect(home.candidates.isEmpty)
        #expect(home.answer.decision == .deny && home.answer.policies.isEmpty)
        #expect(Self.run(set, Self.request(country: "FR")).candidates == ["foreign"])
        #expect(Self.run(set, Self.request(country: "FR")).answer.policies == ["foreign"])
        // Absent: the read errs, and an errored deny counts as matched (fail closed).
        let absent = Self.run(set, Self.request())
        #expect(absent.candidates == ["foreign"])
        #expect(absent.answer.policies == ["foreign"])
        #expect(absent.answer.errors.count == 1)
    }

    @Test func absentSignalInATargetPrunes() throws {
        let set = try Self.compile(Self.policy("sponsored", #"target subject.sponsor == "a@contoso.com""#))
        #expect(Self.run(set, Self.request()).candidates.isEmpty)
        #expect(Self.run(set, Self.request(sponsor: "a@contoso.com")).candidates == ["sponsored"])
        #expect(Self.run(set, Self.request(sponsor: "b@contoso.com")).candidates.isEmpty)
    }

    @Test func likeTargetsArePrecomputedForKnownStrings() throws {
        let set = try Self.compile(
            Self.policy("ro", #"target subject.blueprint like "ro-*""#)
            + Self.policy("named", #"target subject.blueprint in ["ro-reader", "writer"]"#, "allow"))
        #expect(Self.run(set, Self.request(blueprint: "ro-reader")).candidates == ["ro", "named"])
        #expect(Self.run(set, Self.request(blueprint: "writer")).candidates == ["named"])
        // A string no policy mentions may still match the pattern: it runs.
        let unknown = Self.run(set, Self.request(blueprint: "ro-other"))
        #expect(unknown.candidates == ["ro"])
        #expect(unknown.answer.policies == ["ro"])
        #expect(Self.run(set, Self.request(blueprint: "other")).answer.policies.isEmpty)
        #expect(Self.run(set, Self.request()).candidates.isEmpty)
    }

    @Test func negatedTargetsRunForUnmentionedValues() throws {
        let set = try Self.compile(Self.policy("not_x", #"target audience != "x""#))
        #expect(Self.run(set, Self.request(audience: "x")).candidates.isEmpty)
        #expect(Self.run(set, Self.request(audience: "y")).candidates == ["not_x"])
    }

    @Test func networksSplitTheAddressSpace() throws {
        let set = try Self.compile(
            Self.policy("wide", "when location.ip in [10.0.0.0/8, 2001:db8::/32]")
            + Self.policy("narrow", "when location.ip in 10.1.0.0/16")
            + Self.policy("edge", "when location.ip in [255.255.255.255/32, 0.0.0.0/32]"))
        #expect(Self.run(set, Self.request(ip: "10.1.2.3")).candidates == ["wide", "narrow"])
        #expect(Self.run(set, Self.request(ip: "10.2.0.0")).candidates == ["wide"])
        #expect(Self.run(set, Self.request(ip: "10.255.255.255")).candidates == ["wide"])
        #expect(Self.run(set, Self.request(ip: "11.0.0.0")).candidates.isEmpty)
        #expect(Self.run(set, Self.request(ip: "9.255.255.255")).candidates.isEmpty)
        #expect(Self.run(set, Self.request(ip: "2001:db8::1")).candidates == ["wide"])
        #expect(Self.run(set, Self.request(ip: "2001:db9::1")).candidates.isEmpty)
        #expect(Self.run(set, Self.request(ip: "255.255.255.255")).candidates == ["edge"])
        #expect(Self.run(set, Self.request(ip: "0.0.0.0")).candidates == ["edge"])
        #expect(Self.run(set, Self.request(ip: "10.1.2.3")).answer.policies == ["wide", "narrow"])
    }

    @Test func onlyTheFirstConjunctOfTheConditionGuards() throws {
        // `risk.score > 5` could err on nothing, but the network test is second:
        // the index must not assume left-to-right order it cannot see.
        let set = try Self.compile(Self.policy("late", "when risk.score > 5 and location.ip in 10.0.0.0/8"))
        #expect(Self.run(set, Self.request(ip: "11.0.0.0")).candidates == ["late"])
        #expect(Disassembler.listing(set).contains("always: late"))
    }

    @Test func theMostSelectiveGuardWins() throws {
        let set = try Self.compile(Self.policy("p", #"target subject.kind == agent target audience == "a""#))
        #expect(Disassembler.listing(set).contains(#"audience == "a": p"#))
        #expect(Self.run(set, Self.request(audience: "a")).candidates == ["p"])
        #expect(Self.run(set, Self.request(audience: "b")).candidates.isEmpty)
    }

    @Test func disabledPoliciesAreNeverCandidates() throws {
        let set = try Self.compile("policy off disabled {\n  description \"d\"\n  when location.ip in 10.0.0.0/8\n  deny \"no\"\n}\n")
        #expect(Self.run(set, Self.request()).candidates.isEmpty)
    }
}
