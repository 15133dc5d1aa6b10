import PolicyLanguage
import Testing
@testable import PolicyVM

/// Golden listings: the exact code each construct compiles to (Lua's testes/code.lua).
@Suite struct DisasmTests {
    static let cases: [(String, String, [String])] = [
        (#"signal equals constant"#, #"when audience == "https://graph.contoso.com""#, [
            #"0000  EQSYM    audience, #0 "https://graph.contoso.com", then return"#,
            #"0001  RET"#]),
        (#"not equal"#, #"when audience != "x""#, [
            #"0000  EQSYM    not, audience, #0 "x", then return"#,
            #"0001  RET"#]),
        (#"kind and risk compare"#, #"when subject.kind == agent and risk.level >= medium"#, [
            #"0000  EQKIND   subject.kind, 0, else not matched"#,
            #"0001  CMP      >=, risk.level, K0, then return"#,
            #"0002  RET"#]),
        (#"in constant set"#, #"when audience in ["a", "b", "c"]"#, [
            #"0000  INSYM    audience, S0, then return"#,
            #"0001  RET"#]),
        (#"not in constant set"#, #"when location.country not in ["GB", "IE"]"#, [
            #"0000  INSYM    not, location.country, S0, then return"#,
            #"0001  RET"#]),
        (#"constant in request set"#, #"when "admins" in subject.groups"#, [
            #"0000  INSET    K0, subject.groups, then return"#,
            #"0001  RET"#]),
        (#"ip in networks"#, #"when location.ip in [10.0.0.0/8, 2001:db8::/32]"#, [
            #"0000  INCIDR   location.ip, N0, then return"#,
            #"0001  RET"#]),
        (#"ip in one network"#, #"when location.ip in 10.0.0.0/8"#, [
            #"0000  INCIDR   location.ip, N0, then return"#,
            #"0001  RET"#]),
        (#"like"#, #"when audience like "https://*.contoso.com""#, [
            #"0000  LIKE     audience, G0, then return"#,
            #"0001  RET"#]),
        (#"matches"#, #"when any s in scopes: s matches /\.Write$/i"#, [
            #"0000  QMATCH   any, scopes, R0, then return"#,
            #"0001  RET"#]),
        (#"all over request set"#, #"when all s in scopes: s in ["A", "B"]"#, [
            #"0000  QIN      all, scopes, S0, then return"#,
            #"0001  RET"#]),
        (#"negated bodies and like"#, #"when (all g in subject.groups: g not in ["x"]) and not (any s in scopes: s like "*.Write")"#, [
            #"0000  QIN      all not, subject.groups, S0, else not matched"#,
            #"0001  QLIKE    not, any, scopes, G0, then return"#,
            #"0002  RET"#]),
        (#"a body that is not one test keeps the loop"#, #"when any s in scopes: s in ["A"] or s like "B*""#, [
            #"0000  FORPREP  any, scopes, r0, exit 0005"#,
            #"0001  INSYM    r0, S0"#,
            #"0002  JT       -> 0004"#,
            #"0003  LIKE     r0, G0"#,
            #"0004  FORLOOP  any, r0, -> 0001"#,
            #"0005  RET"#]),
        (#"schedule"#, #"when time in schedule mon..fri 08:00..18:00 "Europe/London""#, [
            #"0000  SCHED    time, T0, then return"#,
            #"0001  RET"#]),
        (#"has and difference"#, #"when subject has created and time - subject.created < 7d"#, [
            #"0000  HAS      subject.created, else not matched"#,
            #"0001  SUB      time, subject.created, r64"#,
            #"0002  CMP      <, r64, K0, then return"#,
            #"0003  RET"#]),
        (#"or and not"#, #"when not (risk.score > 50 or delegation.depth >= 2)"#, [
            #"0000  CMP      >, risk.score, K0"#,
            #"0001  JT       -> 0003"#,
            #"0002  CMP      >=, delegation.depth, K1"#,
            #"0003  NOT"#,
            #"0004  RET"#]),
        (#"attributes"#, #"when subject.attributes.cost_center == "cc-1" and context.ticket like "INC*""#, [
            #"0000  EQSYM    subject.attributes.cost_center:string, #0 "cc-1", else not matched"#,
            #"0001  LIKE     context.ticket:string, G0, then return"#,
            #"0002  RET"#]),
        (#"targets"#, #"target subject.blueprint == "finance"\#n  target audience in ["a", "b"]\#n  when risk.level == low"#, [
            #"0000  HAS      subject.blueprint, else not applicable"#,
            #"0001  EQSYM    subject.blueprint, #0 "finance", else not applicable"#,
            #"0002  INSYM    audience, S0, else not applicable"#,
            #"0003  EQKIND   risk.level, 1, then return"#,
            #"0004  RET"#]),
        (#"a longer conjunct exits through TARGET"#, #"when (risk.score > 5 or risk.level == high) and audience == "a""#, [
            #"0000  CMP      >, risk.score, K0"#,
            #"0001  JT       -> 0003"#,
            #"0002  EQKIND   risk.level, 3"#,
            #"0003  TARGET   else not matched"#,
            #"0004  EQSYM    audience, #0 "a", then return"#,
            #"0005  RET"#]),
        (#"folded"#, #"when 1 == 1 and risk.score < 10"#, [
            #"0000  CMP      <, risk.score, K0, then return"#,
            #"0001  RET"#]),
        // The last target returns by itself; `SET` and `RET` stay for the indexed start.
        (#"targets only"#, #"target audience == "a"\#n  target subject.kind == agent"#, [
            #"0000  EQSYM    audience, #0 "a", else not applicable"#,
            #"0001  EQKIND   subject.kind, 0, else not applicable, then return"#,
            #"0002  SET      true"#,
            #"0003  RET"#]),
        // The jump still lands on `RET`.
        (#"or"#, #"when risk.score > 5 or audience == "a""#, [
            #"0000  CMP      >, risk.score, K0"#,
            #"0001  JT       -> 0003"#,
            #"0002  EQSYM    audience, #0 "a", then return"#,
            #"0003  RET"#]),
    ]

    static func compile(_ body: String) throws -> CompiledPolicySet {
        let source = "policy p {\n  description \"d\"\n  \(body)\n  deny \"no\"\n}\n"
        guard case .compiled(let set, _, _) = PolicySetLoader.load(text: source) else {
            throw PolicyTestError("`\(body)` does not compile")
        }
        return set
    }

    @Test(arguments: DisasmTests.cases)
    func construct(_ name: String, _ body: String, _ expected: [String]) throws {
        let set = try Self.compile(body)
        let code = Disassembler.code(set.program, policy: 0).map { $0.trimmingTrailingSpaces() }
        #expect(code == expected, "\(name)")
    }

    @Test func listingHasEverySection() throws {
        let set = try Self.compile(#"when audience in ["a", "b"] and location.ip in 10.0.0.0/8 and time in schedule mon 08:00..09:00 "UTC""#)
        let listing = Disassembler.listing(set)
        for section in ["policyset \"policy\"", "N0  [10.0.0.0/8]", "policy 0 p (enforce, deny) @0", "constants:", "symbols:", "constant sets:",
                        "network tables:", "schedules:", "index:", "always: (none)", #"audience in ["a", "b"]: p"#] {
            #expect(listing.contains(section), "\(section)")
        }
        #expect(listing.contains("  S0  [#0, #1]"))
        #expect(listing.contains(#"  #0  "a""#))
    }

    /// With bitsets, a candidate has passed every guard: it starts past the
    /// leading targets they decide exactly, and past the condition's first
    /// conjunct when every target and it are decided (at the `RET` of a
    /// one-test condition, with the flag set: it matches). A pattern, or an
    /// optional signal in `when` (absent, it must err), stops it.
    @Test func indexedStartSkipsEveryDecidedTest() throws {
        let cases: [(String, String)] = [
            ("target subject.blueprint == \"b\"\n  target audience == \"a\"", "@0, indexed start @3"),
            ("target audience == \"a\"\n  when subject.kind == agent and risk.score > 5", "@0, indexed start @2"),
            ("target audience == \"a\"\n  when subject.kind == agent", "@0, indexed start @2"),
            ("target subject.blueprint like \"b-*\"\n  target audience == \"a\"", "@0\n"),
            ("target audience == \"a\"\n  when subject.blueprint == \"b\"", "@0, indexed start @1"),
        ]
        for (body, start) in cases {
            #expect(Disassembler.listing(try Self.compile(body)).contains("policy 0 p (enforce, deny) " + start), "\(body)")
        }
        #expect(Disassembler.listing(try Self.compile(cases[0].0)).contains("layout: bitsets"))
    }

    /// With lists, a candidate filed under an exact key of its first target
    /// starts past that target's code; a pattern or a later target does not.
    @Test func listIndexedStartSkipsTheDecidedFirstTarget() throws {
        func compile(_ body: String) throws -> CompiledPolicySet {
            let source = "policy p {\n  description \"d\"\n  \(body)\n  deny \"no\"\n}\n"
            let checked = try #require(PolicyFrontend.check(source).policySet)
            return try CompiledPolicySet.compile(checked, indexLayout: .lists)
        }
        let exact = try compile("target subject.blueprint == \"b\"\n  target audience == \"a\"")
        #expect(Disassembler.listing(exact).contains("policy 0 p (enforce, deny) @0, indexed start @2"))
        #expect(Disassembler.listing(exact).contains("layout: lists"))
        let pattern = try compile("target subject.blueprint like \"b-*\"")
        #expect(Disassembler.listing(pattern).contains("policy 0 p (enforce, deny) @0\n"))
        let later = try compile("target subject.kind == agent\n  target audience == \"a\"")
        #expect(Disassembler.listing(later).contains("policy 0 p (enforce, deny) @0\n"))
    }

    @Test func indexListingNamesKeys() throws {
        let set = try Self.compile(#"target audience in ["a", "b"]"#)
        #expect(Disassembler.listing(set).contains(#"audience in ["a", "b"]: p"#))
        #expect(Disassembler.listing(set).contains("always: (none)"))
    }
}
