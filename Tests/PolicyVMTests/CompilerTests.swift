import PolicyLanguage
import Testing
@testable import PolicyVM

@Suite struct CompilerTests {
    @Test func instructionWordsRoundTrip() {
        for op in Opcode.allCases {
            let i = Instruction(op, k: 1, x: 5, a: 0xABCD, b: 0x1234, c: 0xFFFF)
            #expect(Instruction(decoding: i.encoded) == i)
        }
        var jump = Instruction(.jmp)
        jump.bc = 0xDEAD_BEEF
        #expect(Instruction(decoding: jump.encoded)?.bc == 0xDEAD_BEEF)
        #expect(Instruction(decoding: 0xFF) == nil)
    }

    @Test func opcodeTableCoversEveryOpcode() {
        #expect(OpcodeInfo.table.count == Opcode.allCases.count)
        #expect(Set(OpcodeInfo.table.map(\.name)).count == Opcode.allCases.count)
    }

    @Test func tooManyConstantsIsADiagnosticNotATruncation() {
        let checks = (0..<9000).map { T.cmp(.greater, T.sig(.riskScore), T.int(Int64(100_000 + $0))) }
        let policy = T.policy("big", when: TypedExpr(.or(checks), type: .bool, span: T.span), T.deny("x"))
        var sources = SourceSet()
        sources.add(path: "big.agate", text: "")
        let checked = CheckedPolicySet(name: "big", defaultDecision: .deny, policies: [policy], sources: sources)
        #expect(throws: CompileError.self) { try CompiledPolicySet.compile(checked) }
        do {
            _ = try CompiledPolicySet.compile(checked)
        } catch {
            #expect(error.diagnostics.first?.code == .encodingLimit)
            #expect(error.diagnostics.first?.message == "too many constants in one policy set")
        }
    }

    @Test func validatorRejectsBadJumpsAndOperands() {
        var parts = ProgramParts()
        parts.code = [Instruction.jump(.jmp, to: 99).encoded, Instruction(.eqsym, a: Operand(.constant, 3).raw).encoded,
                      Instruction(.ret).encoded]
        let problems = Validator.validate(parts).map(\.message)
        #expect(problems.contains("internal compiler error: jump target out of range at code offset 0"))
        #expect(problems.contains("internal compiler error: operand out of range at code offset 1"))
    }

    @Test func foldingRemovesDeadBranchesButKeepsPossibleErrors() {
        let erroring = T.eq(T.sig(.subjectBlueprint), T.str("x"))
        if case .constant(.bool(false)) = Folder.fold(T.and(T.bool(false), erroring)).kind {} else { Issue.record("false and X") }
        if case .constant(.bool(true)) = Folder.fold(T.or(T.bool(true), erroring)).kind {} else { Issue.record("true or X") }
        if case .compare = Folder.fold(T.and(T.bool(true), erroring)).kind {} else { Issue.record("true and X") }
        if case .and(let kept) = Folder.fold(T.and(erroring, T.bool(false), erroring)).kind {
            #expect(kept.count == 2)
        } else {
            Issue.record("X and false and Y")
        }
        if case .constant(.bool(true)) = Folder.fold(T.member(T.str("a"), T.strings(["b", "a"]))).kind {} else { Issue.record("member") }
        if case .constant(.bool(true)) = Folder.fold(T.not(T.like(T.str("abc"), "x*"))).kind {} else { Issue.record("like") }
    }

    @Test(arguments: [PolicyIndex.Layout.bitsets, .lists])
    func indexRunsOnlyCandidates(layout: PolicyIndex.Layout) throws {
        // 1000 policies over 400 blueprints and 100 audiences: a request runs a handful.
        var policies: [CheckedPolicy] = []
        for i in 0..<1000 {
            let target = i % 2 == 0
                ? T.eq(T.sig(.subjectBlueprint), T.str("bp-\(i % 400)"))
                : T.member(T.sig(.audience), T.strings(["aud-\(i % 100)", "aud-\((i + 1) % 100)"]))
            policies.append(T.policy("p\(i)", targets: [target], T.allow()))
        }
        policies.append(T.policy("everyone", when: T.eq(T.sig(.subjectKind), T.kind(.agent)), T.limit(Controls(tokenLifetime: 60))))
        let set = try T.compile(policies, indexLayout: layout)
        var evaluator = Evaluator(set)
        _ = evaluator.decide(json: Array(T.request(subject: #""blueprint":"bp-2""#).replacingOccurrences("https://graph", "aud-5").utf8),
                             now: T.monday)
        let candidates = (0..<evaluator.state.candidateCount).map { Int(evaluator.state.candidates[$0]) }
        let expected = ([2, 402, 802] + stride(from: 5, to: 1000, by: 100) + [1000]).sorted()
        #expect(candidates == expected)
        #expect(evaluator.answer().policies == expected.map { $0 == 1000 ? "everyone" : "p\($0)" })
    }

    /// With bitsets, a policy is a candidate only when all of its guards pass:
    /// one failing target (here the second) or a failing first conjunct keeps it out.
    @Test func bitsetIndexIntersectsEveryGuard() throws {
        func net(_ a: UInt8, _ b: UInt8, _ prefix: UInt8) -> TypedExpr {
            TypedExpr(.inNetwork(T.sig(.locationIP), T.cidr(a, b, 0, 0, prefix), negated: false), type: .bool, span: T.span)
        }
        let policies = [
            T.policy("both", targets: [T.eq(T.sig(.subjectBlueprint), T.str("bp")), T.eq(T.sig(.audience), T.str("https://graph"))], T.allow()),
            T.policy("second fails", targets: [T.eq(T.sig(.subjectBlueprint), T.str("bp")), T.eq(T.sig(.audience), T.str("other"))], T.allow()),
            T.policy("when fails", targets: [T.eq(T.sig(.subjectBlueprint), T.str("bp"))], when: T.eq(T.sig(.subjectKind), T.kind(.user)), T.allow()),
            T.policy("network", targets: [T.eq(T.sig(.audience), T.str("https://graph")), net(10, 0, 8), net(10, 1, 16)], T.allow()),
            T.policy("other network", targets: [net(10, 0, 8), net(10, 2, 16)], T.allow()),
        ]
        for layout in [PolicyIndex.Layout.bitsets, .lists] {
            let set = try T.compile(policies, indexLayout: layout)
            var evaluator = Evaluator(set)
            _ = evaluator.decide(json: Array(T.request(subject: #""blueprint":"bp""#).utf8), now: T.monday)
            let candidates = (0..<evaluator.state.candidateCount).map { set.policyName(Int(evaluator.state.candidates[$0])) }
            // Lists file each policy under one guard, so more of them run; the answers agree.
            #expect(candidates == (layout == .bitsets ? ["both", "network"] : ["both", "second fails", "when fails", "network", "other network"]), "\(layout)")
            #expect(evaluator.answer().policies == ["both", "network"], "\(layout)")
        }
    }

    @Test func unknownRequestValuesMatchNoIndexedList() throws {
        let set = try T.compile([T.policy("p", targets: [T.eq(T.sig(.audience), T.str("known"))], T.allow())])
        var evaluator = Evaluator(set)
        _ = evaluator.decide(json: Array(T.request().utf8), now: 0)
        #expect(evaluator.state.candidateCount == 0)
    }

    @Test func sourceHashCoversPathsAndBytes() {
        var a = SourceSet()
        a.add(path: "a.agate", text: "x")
        var b = SourceSet()
        b.add(path: "b.agate", text: "x")
        #expect(CompiledPolicySet.sourceHash(a) != CompiledPolicySet.sourceHash(b))
        #expect(CompiledPolicySet.sourceHash(a).hasPrefix("sha256:"))
        #expect(CompiledPolicySet.sourceHash(a).count == 7 + 64)
    }
}
