import PolicyLanguage

/// Operands, constants and tables: how the compiler turns values into indexes.
extension Compiler {
    /// The operand that reads a value expression (emitting code for differences).
    mutating func operand(_ e: TypedExpr) -> Operand {
        switch e.kind {
        case .constant(let value):
            return Operand(.constant, constant(value, span: e.span))
        case .signal(let signal):
            return Operand(.signal, Int(signal.rawValue))
        case .dynamic(let root, let name):
            return Operand(.dynamic, dynamicRead(root, name, expected: DynamicType(e.type) ?? .string, span: e.span))
        case .variable(let slot):
            parts.registerCount = max(parts.registerCount, slot + 1)
            return Operand(.register, slot)
        case .difference(let lhs, let rhs):
            let a = operand(lhs), b = operand(rhs)
            let temp = allocateTemp(span: e.span)
            emit(Instruction(.sub, a: a.raw, b: b.raw, c: UInt16(temp)), span: e.span)
            return Operand(.register, temp)
        default:
            // A boolean expression used as a value: compute it, then store the flag.
            compileTest(e)
            let temp = allocateTemp(span: e.span)
            emit(Instruction(.store, c: UInt16(temp)), span: e.span)
            return Operand(.register, temp)
        }
    }

    mutating func hasOperand(_ target: HasTarget) -> Operand {
        switch target {
        case .signal(let signal): Operand(.signal, Int(signal.rawValue))
        case .dynamic(let root, let name): Operand(.dynamic, dynamicRead(root, name, expected: .absent, span: currentSpan))
        }
    }

    private mutating func allocateTemp(span: Span) -> Int {
        let temp = nextTemp
        nextTemp += 1
        if temp >= Operand.indexLimit { limit("too many temporary values in one policy", span) }
        parts.registerCount = max(parts.registerCount, temp + 1)
        return temp
    }

    /// A dynamic read; `expected == .absent` means "presence only" (for `has`).
    private mutating func dynamicRead(_ root: DynamicRoot, _ name: String, expected: DynamicType, span: Span) -> Int {
        let key = DynamicSlotKey(root: root, name: name)
        let slot: Int32
        if let existing = dynamicSlots[key] {
            slot = existing
        } else {
            slot = Int32(parts.dynamicSlotNames.count)
            dynamicSlots[key] = slot
            parts.dynamicSlotNames.append((root, name))
            parts.symbols.intern(name)
        }
        let read = DynamicRead(slot: slot, expected: expected)
        if let index = dynamicReadIndex[read] { return index }
        parts.dynamicReads.append(read)
        dynamicReadIndex[read] = parts.dynamicReads.count - 1
        if parts.dynamicReads.count > Operand.indexLimit { limit("too many attribute reads in one policy set", span) }
        return parts.dynamicReads.count - 1
    }

    mutating func constant(_ value: Value, span: Span) -> Int {
        if let index = constantIndex[value] { return index }
        let cell = self.cell(value, span: span)
        parts.constants.append(cell)
        parts.constantDescriptions.append(Disassembler.describe(value))
        constantIndex[value] = parts.constants.count - 1
        if parts.constants.count > Operand.indexLimit { limit("too many constants in one policy set", span) }
        return parts.constants.count - 1
    }

    mutating func cell(_ value: Value, span: Span) -> Cell {
        switch value {
        case .string(let s): return Cell(a: Int64(parts.symbols.intern(s)))
        case .int(let v), .duration(let v): return Cell(a: v)
        case .bool(let b): return Cell(a: b ? 1 : 0)
        case .timeOfDay(let v): return Cell(a: Int64(v))
        case .weekday(let d): return Cell(a: Int64(d.rawValue))
        case .risk(let r): return Cell(a: Int64(r.rawValue))
        case .kind(let k): return Cell(a: Int64(k.rawValue))
        case .ip(let ip): return Cell(a: Int64(bitPattern: ip.high), b: Int64(bitPattern: ip.low), c: ip.isV4 ? 1 : 0)
        case .cidr(let cidr):
            let n = Network(cidr)
            return Cell(a: Int64(bitPattern: n.high), b: Int64(bitPattern: n.low),
                        c: Int64(cidr.prefix))
        case .set(let items, _):
            let index = addConstantSet(TypedExpr(.constant(value), type: .error, span: span))
            return Cell(a: 1, b: Int64(index), c: Int64(items.count))
        case .schedule, .regex:
            return Cell()
        }
    }

    /// A constant set: its elements in source order plus sorted keys (symbol
    /// ids or int-like values) for binary search.
    mutating func addConstantSet(_ set: TypedExpr) -> UInt16 {
        guard case .constant(let value) = set.kind, case .set(let items, _) = value else { return 0 }
        if let index = symbolSetIndex[value] { return UInt16(truncatingIfNeeded: index) }
        let cells = items.map { cell($0, span: set.span) }
        let start = Int32(parts.setCells.count)
        parts.setCells.append(contentsOf: cells)
        parts.setKeys.append(contentsOf: cells.map(\.a).sorted())
        parts.sets.append(TableRange(start: start, count: Int32(cells.count)))
        symbolSetIndex[value] = parts.sets.count - 1
        return limited(parts.sets.count - 1, "constant sets")
    }

    mutating func addCIDRTable(_ networks: [CIDR]) -> UInt16 {
        parts.cidrTables.append(TableRange(start: Int32(parts.networks.count), count: Int32(networks.count)))
        parts.networks.append(contentsOf: networks.map(Network.init))
        return limited(parts.cidrTables.count - 1, "network tables")
    }

    mutating func addRegex(_ regex: RegexLiteral) -> UInt16 {
        switch parts.regexes.add(regex) {
        case .success(let index):
            parts.regexSources.append(regex)
            return limited(index, "regexes")
        case .failure(let failure):
            diagnostics.append(Diagnostic(.encodingLimit, "regex `/\(regex.pattern)/` cannot be compiled: \(failure.message)",
                                          at: currentSpan))
            return 0
        }
    }

    /// Dynamic-slot lookup tables and the policy index, once every symbol is interned.
    mutating func finish(_ checked: CheckedPolicySet) {
        var bySymbol: [[Int32]] = Array(repeating: Array(repeating: -1, count: parts.symbols.count),
                                         count: DynamicRoot.allCases.count)
        for (slot, (root, name)) in parts.dynamicSlotNames.enumerated() {
            if let id = parts.symbols.id(of: name) { bySymbol[Int(root.rawValue)][Int(id)] = Int32(slot) }
        }
        parts.dynamicSlotBySymbol = bySymbol
        parts.index = PolicyIndex.build(checked.policies, symbols: parts.symbols, layout: indexLayout)
        // A candidate has passed all its guards, so the VM may start after the
        // leading targets they decide exactly, and after the condition's
        // first conjunct too when every target and it are decided. (A fast
        // entry starts with the flag set: at the `RET` of a one-test
        // condition, the policy matches.)
        for (i, guards) in parts.index.guards.enumerated() {
            let decided = Set(guards.compactMap(\.decidedTarget))
            var leading = 0
            while decided.contains(leading) { leading += 1 }
            if leading == afterTargets[i].count, guards.contains(where: \.decidesFirstConjunct),
               let start = afterFirstConjunct[i] {
                parts.policies[i].fastEntry = start
            } else if leading > 0, leading <= afterTargets[i].count {
                parts.policies[i].fastEntry = afterTargets[i][leading - 1]
            }
        }
        if parts.registerCount > Operand.indexLimit { limit("too many registers", checked.policies.first?.span ?? currentSpan) }
    }

    static func isConstant(_ e: TypedExpr) -> Bool {
        if case .constant = e.kind { return true }
        return false
    }

    static func isIntLike(_ type: ValueType) -> Bool {
        switch type {
        case .int, .bool, .duration, .timeOfDay, .weekday, .riskLevel, .subjectKind, .timestamp: true
        default: false
        }
    }

    /// Small non-negative int-like constants fit in the C field of EQKIND.
    static func smallInt(_ value: Value) -> UInt16? {
        let v: Int64
        switch value {
        case .int(let x), .duration(let x): v = x
        case .bool(let b): v = b ? 1 : 0
        case .timeOfDay(let x): v = Int64(x)
        case .weekday(let d): v = Int64(d.rawValue)
        case .risk(let r): v = Int64(r.rawValue)
        case .kind(let k): v = Int64(k.rawValue)
        default: return nil
        }
        return (0...Int64(UInt16.max)).contains(v) ? UInt16(v) : nil
    }

    /// Element type codes for the generic instructions (EQV, INSET).
    static func typeCode(_ type: ValueType) -> UInt8 {
        switch type {
        case .string: TypeCode.string
        case .ip: TypeCode.ip
        case .cidr: TypeCode.cidr
        case .set(let element): element == .string ? TypeCode.stringSet : TypeCode.intSet
        default: TypeCode.int
        }
    }

    static func jsonString(_ text: String) -> [UInt8] {
        var w = JSONWriter()
        w.string(text)
        return w.bytes
    }
}

/// Type codes in the `x` field of EQV and INSET.
enum TypeCode {
    static let int: UInt8 = 0
    static let string: UInt8 = 1
    static let ip: UInt8 = 2
    static let cidr: UInt8 = 3
    static let stringSet: UInt8 = 4
    static let intSet: UInt8 = 5
}
