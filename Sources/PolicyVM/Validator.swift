import PolicyLanguage

/// Checks the compiler's output once, so the VM can walk the code without
/// per-instruction checks: every opcode known, every jump inside the code,
/// every operand, register and table index in range, every policy ending in `RET`.
enum Validator {
    static func validate(_ parts: ProgramParts) -> [Diagnostic] {
        var problems: [String] = []
        let count = parts.code.count
        func check(_ ok: Bool, _ what: @autoclosure () -> String, _ pc: Int) {
            if !ok { problems.append("\(what()) at code offset \(pc)") }
        }
        func operandOK(_ raw: UInt16) -> Bool {
            let op = Operand(raw: raw)
            switch op.kind {
            case .signal: return op.index < Signal.allCases.count
            case .dynamic: return op.index < parts.dynamicReads.count
            case .register: return op.index < parts.registerCount
            case .constant: return op.index < parts.constants.count
            }
        }
        func tableOK(_ kind: OpcodeInfo.TableKind, _ index: Int) -> Bool {
            switch kind {
            case .symbolSet, .intSet: index < parts.sets.count
            case .cidr: index < parts.cidrTables.count
            case .glob: index < parts.globs.count
            case .regex: index < parts.regexes.codes.count
            case .schedule: index < parts.schedules.count
            }
        }
        for pc in 0..<count {
            guard let i = Instruction(decoding: parts.code[pc]) else {
                problems.append("unknown opcode at code offset \(pc)")
                continue
            }
            let info = OpcodeInfo[i.op]
            for (field, value) in [(info.a, i.a), (info.b, i.b), (info.c, i.c)] {
                switch field {
                case .operand: check(operandOK(value), "operand out of range", pc)
                case .register: check(Int(value) < parts.registerCount, "register out of range", pc)
                case .table(let kind): check(tableOK(kind, Int(value)), "table index out of range", pc)
                case .relative: check(pc + Int(value) <= count && value > 0, "loop exit out of range", pc)
                case .jump: check(Int(i.bc) < count, "jump target out of range", pc)
                case .symbol: check(Int(value) < parts.symbols.count, "symbol out of range", pc)
                case .none, .intConstant: break
                }
            }
        }
        for policy in parts.policies where policy.mode != .disabled {
            check(Int(policy.entry) < count, "policy `\(policy.name)` has no code", Int(policy.entry))
            check(policy.fastEntry >= policy.entry && Int(policy.fastEntry) < count,
                  "policy `\(policy.name)` starts outside its code", Int(policy.fastEntry))
        }
        if let last = parts.code.last, let i = Instruction(decoding: last) {
            check(i.op == .ret, "code does not end in RET", count - 1)
        }
        return problems.prefix(5).map {
            Diagnostic(.encodingLimit, "internal compiler error: \($0)",
                       at: parts.policies.first?.span ?? Span(file: FileID(0), start: 0, end: 0),
                       help: "please report this with the policy set attached")
        }
    }
}
