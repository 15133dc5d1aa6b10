import PolicyLanguage

extension DiagnosticCode {
    /// The compiler's only diagnostic: an encoding limit of the bytecode was reached.
    public static let encodingLimit = DiagnosticCode(
        "E0901", .error, "encoding-limit",
        "the policy set exceeds an encoding limit of the bytecode (constants, tables, registers or code size)")
}

/// Compiles a `CheckedPolicySet` to a `Program`: folds constants, lays out
/// each policy's targets and condition as test-and-jump code, builds the
/// tables and the policy index, then validates the result once.
struct Compiler {
    var parts = ProgramParts()
    var diagnostics: [Diagnostic] = []
    var constantIndex: [Value: Int] = [:]
    var symbolSetIndex: [Value: Int] = [:]
    var dynamicSlots: [DynamicSlotKey: Int32] = [:]
    var dynamicReadIndex: [DynamicRead: Int] = [:]
    /// Identical patterns and schedules share one table entry (a schedule's
    /// zone transitions are costly to compute, and a workload repeats them).
    var globIndex: [String: Int] = [:]
    var scheduleIndex: [Schedule: Int] = [:]
    var nextTemp = 0
    /// Per policy: the code offset just past each target, a fast entry when
    /// the index decides the targets before it (`finish`).
    var afterTargets: [[Int32]] = []
    /// Per policy: the code offset just past the first conjunct of its
    /// condition (nil: no condition), likewise.
    var afterFirstConjunct: [Int32?] = []
    var indexLayout = PolicyIndex.Layout.automatic
    var currentSpan = Span(file: FileID(0), start: 0, end: 0)

    static let firstTemp = 64

    struct DynamicSlotKey: Hashable {
        var root: DynamicRoot
        var name: String
    }

    static func compile(_ checked: CheckedPolicySet, indexLayout: PolicyIndex.Layout = .automatic)
        throws(CompileError) -> Program {
        var compiler = Compiler()
        compiler.indexLayout = indexLayout
        compiler.parts.defaultDecision = checked.defaultDecision
        for policy in checked.policies { compiler.compilePolicy(policy) }
        compiler.finish(checked)
        if compiler.diagnostics.isEmpty {
            compiler.diagnostics = Validator.validate(compiler.parts)
        }
        guard compiler.diagnostics.isEmpty else { throw CompileError(diagnostics: compiler.diagnostics) }
        return Program(parts: compiler.parts)
    }

    // MARK: Policies

    private mutating func compilePolicy(_ policy: CheckedPolicy) {
        currentSpan = policy.span
        let entry = Int32(parts.code.count)
        var info = PolicyInfo(name: policy.name, mode: policy.mode, effect: policy.effect, span: policy.span,
                              entry: entry, fastEntry: entry,
                              nameJSON: Compiler.jsonString(policy.name), reasonJSON: [],
                              lifetime: nil, scopeCeiling: nil, require: [])
        switch policy.effect {
        case .deny(let reason): info.reasonJSON = Compiler.jsonString(reason)
        case .allow(let controls), .limit(let controls):
            info.lifetime = controls.tokenLifetime
            info.scopeCeiling = controls.scopes.map { $0.map { parts.symbols.intern($0) }.sorted() }
            var seen = Set<Int32>()
            info.require = controls.require.map { parts.symbols.intern($0) }.filter { seen.insert($0).inserted }
        }
        parts.policies.append(info)
        afterTargets.append([])
        afterFirstConjunct.append(nil)
        guard policy.mode != .disabled else { return }
        nextTemp = Compiler.firstTemp
        for target in policy.targets {
            compileTarget(target)
            afterTargets[afterTargets.count - 1].append(Int32(parts.code.count))
        }
        if let condition = policy.condition {
            compileCondition(Folder.fold(condition))
        } else {
            emit(Instruction(.set, k: 1), span: policy.span)
        }
        emit(Instruction(.ret), span: policy.span)
        fuseReturn(after: Int(entry))
    }

    /// A test that falls through to the policy's `RET` (directly, or via the
    /// `SET true` of a policy without a condition, which a false test with an
    /// exit never reaches) returns by itself. The `RET` stays for jumps and
    /// fast entries that land on it.
    private mutating func fuseReturn(after entry: Int) {
        let ret = parts.code.count - 1
        var candidate = ret - 1
        if candidate > entry, let set = Instruction(decoding: parts.code[candidate]), set.op == .set, set.k == 1 {
            candidate -= 1
            guard let test = Instruction(decoding: parts.code[candidate]), test.k & Instruction.exitNotApplicable != 0
            else { return }
        }
        guard candidate >= entry, var test = Instruction(decoding: parts.code[candidate]), OpcodeInfo[test.op].isTest
        else { return }
        test.k |= Instruction.thenReturn
        parts.code[candidate] = test.encoded
    }

    /// A target reading an absent optional signal is false, not an error: guard it with `HAS`.
    private mutating func compileTarget(_ target: TypedExpr) {
        for signal in Compiler.optionalSignals(in: target) {
            emit(Instruction(.has, k: Instruction.exitNotApplicable,
                             a: Operand(.signal, Int(signal.rawValue)).raw), span: target.span)
        }
        compileExiting(Folder.fold(target), exit: Instruction.exitNotApplicable)
    }

    /// The condition: a top-level conjunction's items each return "not
    /// matched" as soon as one is false, without a jump (most policies are a
    /// chain of tests, so this halves the instructions they run).
    private mutating func compileCondition(_ condition: TypedExpr) {
        guard case .and(let items) = condition.kind, !items.isEmpty else {
            compileTest(condition)
            afterFirstConjunct[afterFirstConjunct.count - 1] = Int32(parts.code.count)
            return
        }
        for (i, item) in items.enumerated() {
            if i == items.count - 1 { compileTest(item) } else { compileExiting(item, exit: Instruction.exitNotMatched) }
            if i == 0 { afterFirstConjunct[afterFirstConjunct.count - 1] = Int32(parts.code.count) }
        }
    }

    /// A test that leaves the policy when false: a single test instruction
    /// carries the exit in its `k` bits; anything longer is followed by a
    /// `TARGET` carrying the same exit.
    private mutating func compileExiting(_ e: TypedExpr, exit: UInt8) {
        let start = parts.code.count
        compileTest(e)
        if parts.code.count == start + 1, var last = Instruction(decoding: parts.code[start]),
           OpcodeInfo[last.op].isTest {
            last.k |= exit
            parts.code[start] = last.encoded
            return
        }
        emit(Instruction(.target, k: exit), span: e.span)
    }

    static func optionalSignals(in expr: TypedExpr) -> [Signal] {
        var found: [Signal] = []
        func walk(_ e: TypedExpr) {
            switch e.kind {
            case .signal(let s) where s.info.optional: if !found.contains(s) { found.append(s) }
            case .not(let x): walk(x)
            case .and(let xs), .or(let xs): xs.forEach(walk)
            case .compare(_, let a, let b), .difference(let a, let b): walk(a); walk(b)
            case .member(let a, let b, _): walk(a); walk(b)
            case .inNetwork(let a, _, _), .like(let a, _), .matches(let a, _), .inSchedule(let a, _): walk(a)
            case .quantified(_, _, let source, let body): walk(source); walk(body)
            default: break
            }
        }
        walk(expr)
        return found
    }

    // MARK: Tests (set the flag)

    mutating func compileTest(_ e: TypedExpr) {
        currentSpan = e.span
        switch e.kind {
        case .constant(.bool(let b)):
            emit(Instruction(.set, k: b ? 1 : 0), span: e.span)
        case .constant, .signal, .dynamic, .variable:
            // A boolean value in test position: compare it with `true`.
            emit(Instruction(.eqkind, a: operand(e).raw, c: 1), span: e.span)
        case .has(let target):
            emit(Instruction(.has, a: hasOperand(target).raw), span: e.span)
        case .not(let inner):
            let start = parts.code.count
            compileTest(inner)
            if parts.code.count == start + 1, var last = Instruction(decoding: parts.code[start]),
               OpcodeInfo[last.op].isTest {
                last.k ^= 1
                parts.code[start] = last.encoded
            } else {
                emit(Instruction(.not), span: e.span)
            }
        case .and(let items): compileJunction(items, jump: .jf, span: e.span)
        case .or(let items): compileJunction(items, jump: .jt, span: e.span)
        case .compare(let op, let lhs, let rhs): compileCompare(op, lhs, rhs, span: e.span)
        case .member(let element, let set, let negated): compileMember(element, set, negated: negated, span: e.span)
        case .inNetwork(let value, let cidr, let negated):
            let table = addCIDRTable([cidr])
            emit(Instruction(.incidr, k: negated ? 1 : 0, a: operand(value).raw, c: table), span: e.span)
        case .like(let value, let pattern):
            emit(Instruction(.like, a: operand(value).raw, c: addGlob(pattern)), span: e.span)
        case .matches(let value, let regex):
            emit(Instruction(.match, a: operand(value).raw, c: addRegex(regex)), span: e.span)
        case .inSchedule(let value, let schedule):
            let index = scheduleIndex[schedule] ?? {
                parts.schedules.append(CompiledSchedule(schedule))
                scheduleIndex[schedule] = parts.schedules.count - 1
                return parts.schedules.count - 1
            }()
            emit(Instruction(.sched, a: operand(value).raw, c: limited(index, "schedules")), span: e.span)
        case .quantified(let q, let slot, let source, let body):
            compileQuantifier(q, slot: slot, source: source, body: body, span: e.span)
        case .difference:
            emit(Instruction(.eqkind, a: operand(e).raw, c: 1), span: e.span)
        }
    }

    private mutating func compileJunction(_ items: [TypedExpr], jump: Opcode, span: Span) {
        guard !items.isEmpty else {
            emit(Instruction(.set, k: jump == .jf ? 1 : 0), span: span)
            return
        }
        var patches: [Int] = []
        for (i, item) in items.enumerated() {
            compileTest(item)
            if i < items.count - 1 {
                patches.append(parts.code.count)
                emit(Instruction.jump(jump, to: 0), span: span)
            }
        }
        let end = UInt32(parts.code.count)
        for at in patches { patchJump(at, to: end) }
    }

    private mutating func compileQuantifier(_ q: Quantifier, slot: Int, source: TypedExpr, body: TypedExpr,
                                            span: Span) {
        if compileFusedQuantifier(q, slot: slot, source: source, body: Folder.fold(body), span: span) { return }
        let set = operand(source)
        let register = UInt16(slot)
        parts.registerCount = max(parts.registerCount, slot + 1)
        let x: UInt8 = q == .any ? 0 : 1
        let prep = parts.code.count
        emit(Instruction(.forprep, x: x, a: set.raw, b: register), span: span)
        let bodyStart = UInt32(parts.code.count)
        compileTest(body)
        emit(Instruction.jump(.forloop, to: bodyStart, x: x, a: register), span: span)
        let offset = parts.code.count - prep
        if offset > Int(UInt16.max) { limit("a quantifier body is too long", span) }
        var instruction = Instruction(decoding: parts.code[prep])!
        instruction.c = UInt16(truncatingIfNeeded: offset)
        parts.code[prep] = instruction.encoded
    }

    /// `any`/`all` over a set of strings whose body tests only the bound
    /// element against a constant set, a glob or a regex (possibly under
    /// `not`): one QIN / QLIKE / QMATCH instead of a loop of three.
    private mutating func compileFusedQuantifier(_ q: Quantifier, slot: Int, source: TypedExpr, body: TypedExpr,
                                                 span: Span) -> Bool {
        guard source.type == .set(.string) else { return false }
        var test = body
        var bodyNegated = false
        if case .not(let inner) = test.kind { test = inner; bodyNegated = true }
        func isBound(_ e: TypedExpr) -> Bool {
            if case .variable(let s) = e.kind { return s == slot }
            return false
        }
        let quantifier: UInt8 = (q == .any ? 0 : 1) | (bodyNegated ? 2 : 0)
        switch test.kind {
        case .member(let element, let set, let negated) where isBound(element):
            guard case .constant(.set) = set.kind else { return false }
            let x = quantifier ^ (negated ? 2 : 0)
            emit(Instruction(.qin, x: x, a: operand(source).raw, c: addConstantSet(set)), span: span)
        case .like(let element, let pattern) where isBound(element):
            emit(Instruction(.qlike, x: quantifier, a: operand(source).raw, c: addGlob(pattern)), span: span)
        case .matches(let element, let regex) where isBound(element):
            emit(Instruction(.qmatch, x: quantifier, a: operand(source).raw, c: addRegex(regex)), span: span)
        default:
            return false
        }
        return true
    }

    /// Identical patterns share one glob.
    private mutating func addGlob(_ pattern: String) -> UInt16 {
        let glob = globIndex[pattern] ?? {
            parts.globs.append(Glob(pattern))
            globIndex[pattern] = parts.globs.count - 1
            return parts.globs.count - 1
        }()
        return limited(glob, "globs")
    }

    private mutating func compileCompare(_ op: CompareOperator, _ lhs: TypedExpr, _ rhs: TypedExpr, span: Span) {
        let equality = op == .equal || op == .notEqual
        let k: UInt8 = op == .notEqual ? 1 : 0
        // Constant on the left of an equality: swap, so the fat forms apply.
        if equality, case .constant = lhs.kind, !Compiler.isConstant(rhs) {
            return compileCompare(op, rhs, lhs, span: span)
        }
        switch lhs.type {
        case .string where equality:
            if case .constant(.string(let s)) = rhs.kind, case let id = parts.symbols.intern(s), id <= Int32(UInt16.max) {
                emit(Instruction(.eqsym, k: k, a: operand(lhs).raw, c: UInt16(id)), span: span)
            } else {
                emit(Instruction(.eqs, k: k, a: operand(lhs).raw, b: operand(rhs).raw), span: span)
            }
        case .ip where equality:
            emit(Instruction(.eqip, k: k, a: operand(lhs).raw, b: operand(rhs).raw), span: span)
        case _ where Compiler.isIntLike(lhs.type):
            if equality, case .constant(let v) = rhs.kind, let small = Compiler.smallInt(v) {
                emit(Instruction(.eqkind, k: k, a: operand(lhs).raw, c: small), span: span)
            } else {
                let x = UInt8(CompareOperator.allCases.firstIndex(of: op)!)
                emit(Instruction(.cmp, x: x, a: operand(lhs).raw, b: operand(rhs).raw), span: span)
            }
        default:
            emit(Instruction(.eqv, k: k, x: Compiler.typeCode(lhs.type), a: operand(lhs).raw, b: operand(rhs).raw),
                 span: span)
        }
    }

    private mutating func compileMember(_ element: TypedExpr, _ set: TypedExpr, negated: Bool, span: Span) {
        let k: UInt8 = negated ? 1 : 0
        if case .constant(.set(let items, let elementType)) = set.kind {
            if element.type == .string {
                emit(Instruction(.insym, k: k, a: operand(element).raw, c: addConstantSet(set)), span: span)
                return
            }
            if element.type == .ip, elementType == .cidr || elementType == .ip {
                let networks = items.compactMap { item -> CIDR? in
                    switch item {
                    case .cidr(let c): c
                    case .ip(let ip): CIDR(address: ip, prefix: 128)
                    default: nil
                    }
                }
                emit(Instruction(.incidr, k: k, a: operand(element).raw, c: addCIDRTable(networks)), span: span)
                return
            }
            if Compiler.isIntLike(element.type) {
                emit(Instruction(.inint, k: k, a: operand(element).raw, c: addConstantSet(set)), span: span)
                return
            }
        }
        emit(Instruction(.inset, k: k, x: Compiler.typeCode(element.type), a: operand(element).raw,
                         b: operand(set).raw), span: span)
    }

    // MARK: Code buffer

    mutating func emit(_ instruction: Instruction, span: Span) {
        if OpcodeInfo[instruction.op].isTest || instruction.op == .target {
            parts.debugSpans[Int32(parts.code.count)] = span
        }
        parts.code.append(instruction.encoded)
        if parts.code.count == Int(Int32.max) { limit("the policy set compiles to too much code", span) }
    }

    private mutating func patchJump(_ at: Int, to target: UInt32) {
        var instruction = Instruction(decoding: parts.code[at])!
        instruction.bc = target
        parts.code[at] = instruction.encoded
    }

    mutating func limit(_ message: String, _ span: Span) {
        diagnostics.append(Diagnostic(.encodingLimit, message, at: span,
                                      help: "split the policy set, or share constants through `let`"))
    }

    mutating func limited(_ index: Int, _ what: String) -> UInt16 {
        if index > Int(UInt16.max) { limit("too many \(what) in one policy set", currentSpan); return 0 }
        return UInt16(index)
    }
}
