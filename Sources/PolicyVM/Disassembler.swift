import PolicyLanguage

/// A readable listing of a compiled policy set: per-policy code, constants,
/// symbols, tables and the policy index (`agate disasm`).
public enum Disassembler {
    /// The whole listing.
    public static func listing(_ set: CompiledPolicySet) -> String {
        let p = set.program
        var lines: [String] = []
        lines.append("policyset \"\(set.name)\" \(set.hash)")
        lines.append("default \(p.defaultDecision.rawValue); \(p.policies.count) policies, \(p.code.count) code words, "
                     + "\(p.constants.count) constants, \(p.symbols.count) symbols, \(p.registerCount) registers")
        for (index, policy) in p.policies.enumerated() {
            lines.append("")
            lines.append(policyHeader(index, policy))
            guard policy.mode != .disabled else { continue }
            lines += code(p, policy: index).map { "  " + $0 }
        }
        lines.append("")
        lines.append("constants:")
        for i in 0..<p.constants.count { lines.append("  K\(i)  \(describeConstant(p, i))") }
        lines.append("symbols:")
        for id in 0..<Int32(p.symbols.count) { lines.append("  #\(id)  \(quote(p.symbols.text(id)))") }
        if p.sets.count > 0 { lines.append("constant sets:") }
        for i in 0..<p.sets.count { lines.append("  S\(i)  \(describeSet(p, i))") }
        if p.cidrTables.count > 0 { lines.append("network tables:") }
        for i in 0..<p.cidrTables.count { lines.append("  N\(i)  \(describeNetworks(p, i))") }
        if !p.globs.isEmpty { lines.append("globs:") }
        for (i, glob) in p.globs.enumerated() { lines.append("  G\(i)  \(quote(glob.source))") }
        if !p.regexSources.isEmpty { lines.append("regexes:") }
        for (i, regex) in p.regexSources.enumerated() { lines.append("  R\(i)  /\(regex.pattern)/\(regex.flags)") }
        if !p.schedules.isEmpty { lines.append("schedules:") }
        for (i, schedule) in p.schedules.enumerated() { lines.append("  T\(i)  \(describeSchedule(schedule))") }
        if p.dynamicSlotCount > 0 { lines.append("attribute slots:") }
        for (i, (root, name)) in p.dynamicSlotNames.enumerated() { lines.append("  @\(i)  \(root.prefix).\(name)") }
        lines.append("index:")
        lines += indexListing(p).map { "  " + $0 }
        return lines.joined(separator: "\n") + "\n"
    }

    static func policyHeader(_ index: Int, _ policy: PolicyInfo) -> String {
        let effect: String = switch policy.effect {
        case .allow: "allow"
        case .deny: "deny"
        case .limit: "limit"
        }
        let start = policy.fastEntry == policy.entry ? "" : ", indexed start @\(policy.fastEntry)"
        return "policy \(index) \(policy.name) (\(policy.mode.rawValue), \(effect)) @\(policy.entry)\(start)"
    }

    /// The listing of one policy's code, one instruction per line.
    static func code(_ p: Program, policy: Int) -> [String] {
        var lines: [String] = []
        var pc = Int(p.policies[policy].entry)
        while pc < p.code.count {
            let (line, next) = instruction(p, at: pc)
            lines.append(line)
            if Instruction(decoding: p.code[pc])?.op == .ret { break }
            pc = next
        }
        return lines
    }

    /// One instruction and the offset of the next (clox's `disassembleInstruction`).
    static func instruction(_ p: Program, at pc: Int) -> (String, Int) {
        guard let i = Instruction(decoding: p.code[pc]) else { return (String(format4(pc)) + "  ???", pc + 1) }
        let info = OpcodeInfo[i.op]
        var fields: [String] = []
        if info.isTest, i.k & 1 == 1 { fields.append("not") }
        switch i.op {
        case .cmp: fields.append(CompareOperator.allCases[min(Int(i.x), 5)].rawValue)
        case .forprep, .forloop: fields.append(i.x == 0 ? "any" : "all")
        case .qin, .qlike, .qmatch: fields.append((i.x & 1 == 0 ? "any" : "all") + (i.x & 2 != 0 ? " not" : ""))
        case .set: fields.append(i.k == 1 ? "true" : "false")
        default: break
        }
        for (field, value) in [(info.a, i.a), (info.b, i.b), (info.c, i.c)] {
            switch field {
            case .none: break
            case .operand: fields.append(describeOperand(p, Operand(raw: value)))
            case .register: fields.append("r\(value)")
            case .jump: fields.append("-> \(format4(Int(i.bc)))")
            case .relative: fields.append("exit \(format4(pc + Int(value)))")
            case .symbol: fields.append("#\(value) \(quote(p.symbols.text(Int32(value))))")
            case .intConstant: fields.append("\(value)")
            case .table(let kind):
                let prefix = switch kind {
                case .symbolSet, .intSet: "S"
                case .cidr: "N"
                case .glob: "G"
                case .regex: "R"
                case .schedule: "T"
                }
                fields.append("\(prefix)\(value)")
            }
        }
        if info.isTest || i.op == .target {
            if i.k & Instruction.exitNotMatched != 0 { fields.append("else not matched") }
            else if i.k & Instruction.exitNotApplicable != 0 { fields.append("else not applicable") }
            if info.isTest, i.k & Instruction.thenReturn != 0 { fields.append("then return") }
        }
        let name = info.name.padding(toLength: 8)
        return ("\(format4(pc))  \(name) \(fields.joined(separator: ", "))".trimmingTrailingSpaces(), pc + 1)
    }

    static func describeOperand(_ p: Program, _ operand: Operand) -> String {
        switch operand.kind {
        case .signal: Signal(rawValue: UInt8(operand.index))?.info.name ?? "signal?\(operand.index)"
        case .dynamic:
            {
                let read = p.dynamicReads[operand.index]
                let (root, name) = p.dynamicSlotNames[Int(read.slot)]
                let type = read.expected == .absent ? "any" : read.expected.name
                return "\(root.prefix).\(name):\(type)"
            }()
        case .register: "r\(operand.index)"
        case .constant: "K\(operand.index)"
        }
    }

    static func describeConstant(_ p: Program, _ i: Int) -> String { p.constantDescriptions[i] }

    /// A constant as policies write it.
    static func describe(_ value: Value) -> String {
        switch value {
        case .string(let s): quote(s)
        case .int(let v): "\(v)"
        case .bool(let b): "\(b)"
        case .duration(let v): "\(v)s"
        case .timeOfDay(let v): clock(v)
        case .weekday(let d): d.name
        case .risk(let r): r.name
        case .kind(let k): k.name
        case .ip(let ip): "ip " + hex(ip.high) + ":" + hex(ip.low)
        case .cidr(let c): "cidr " + hex(c.address.high) + ":" + hex(c.address.low) + "/\(c.prefix)"
        case .schedule: "schedule"
        case .regex(let r): "/\(r.pattern)/\(r.flags)"
        case .set(let items, _): "[" + items.map(describe).joined(separator: ", ") + "]"
        }
    }

    static func describeSet(_ p: Program, _ i: Int) -> String {
        let range = p.sets[i]
        let items = (0..<Int(range.count)).map { k -> String in
            let cell = p.setCells[Int(range.start) + k]
            return cell.b == 0 && cell.c == 0 && cell.a >= 0 && cell.a < p.symbols.count
                ? "#\(cell.a)" : "\(cell.a)"
        }
        return "[" + items.joined(separator: ", ") + "]"
    }

    static func describeNetworks(_ p: Program, _ i: Int) -> String {
        let range = p.cidrTables[i]
        let items = (0..<Int(range.count)).map { describe(p.networks[Int(range.start) + $0]) }
        return "[" + items.joined(separator: ", ") + "]"
    }

    static func describe(_ n: Network) -> String {
        let prefix = n.maskHigh.nonzeroBitCount + n.maskLow.nonzeroBitCount
        if n.high == 0, n.low >> 32 == 0xFFFF, prefix >= 96 {
            let v4 = UInt32(truncatingIfNeeded: n.low)
            return "\(v4 >> 24).\(v4 >> 16 & 0xFF).\(v4 >> 8 & 0xFF).\(v4 & 0xFF)/\(prefix - 96)"
        }
        let groups = (0..<8).map { i -> String in
            let word = i < 4 ? n.high >> UInt64(48 - 16 * i) : n.low >> UInt64(48 - 16 * (i - 4))
            return String(word & 0xFFFF, radix: 16)
        }
        return groups.joined(separator: ":") + "/\(prefix)"
    }

    static func describeSchedule(_ s: CompiledSchedule) -> String {
        let days = (1...7).filter { s.schedule.weekdays & (1 << $0) != 0 }.map { Weekday(rawValue: UInt8($0))!.name }
        return "\(days.joined(separator: ",")) \(clock(s.schedule.start))..\(clock(s.schedule.end)) "
            + "\(quote(s.schedule.zone)) (\(s.transitions.count) offset transitions)"
    }

    /// The index: its layout, the unguarded policies, then the guards (the
    /// conditions a request must pass for a policy to run at all).
    static func indexListing(_ p: Program) -> [String] {
        var lines: [String] = [p.index.usesBitsets
            ? "layout: bitsets (a policy runs when all of its guards pass)"
            : "layout: lists (each policy filed under its most selective guard)"]
        let always = p.policies.indices.filter { p.policies[$0].mode != .disabled && p.index.guards[$0].isEmpty }
            .map { p.policies[$0].name }
        lines.append("always: " + (always.isEmpty ? "(none)" : always.joined(separator: ", ")))
        // Policies sharing a guard are listed on one line, in policy order.
        let pairs = p.index.guards.enumerated().flatMap { i, guards in
            guards.map { (key: describe($0, p), name: p.policies[i].name) }
        }
        for (text, names) in grouped(pairs) { lines.append("\(text): \(names.joined(separator: ", "))") }
        return lines
    }

    /// Names grouped by key: keys in the order first seen, each name once per key.
    static func grouped(_ pairs: [(key: String, name: String)]) -> [(key: String, names: [String])] {
        var order: [String] = []
        var byKey: [String: [String]] = [:]
        for (key, name) in pairs {
            if byKey[key] == nil { order.append(key) }
            if byKey[key]?.last != name { byKey[key, default: []].append(name) }
        }
        return order.map { ($0, byKey[$0]!) }
    }

    static func describe(_ rule: IndexGuard, _ p: Program) -> String {
        switch rule.test {
        case .network(let cidrs):
            return "location.ip in [" + cidrs.map { describe(Network($0)) }.joined(separator: ", ") + "]"
        case .key(let slot, let listed, let listedAccept, let otherAccept, let unknown, let absent):
            let signal = IndexGuard.slots[slot].signal
            func name(_ key: Int64) -> String {
                switch signal {
                case .subjectKind: SubjectKind(rawValue: UInt8(key))?.name ?? "\(key)"
                case .riskLevel, .subjectRisk: RiskLevel(rawValue: UInt8(key))?.name ?? "\(key)"
                default: quote(p.symbols.text(Int32(key)))
                }
            }
            let keys = listed.sorted().map(name)
            let set = keys.count == 1 ? keys[0] : "[" + keys.joined(separator: ", ") + "]"
            var text = "\(signal.info.name) "
            if let label = rule.label {
                text = label
            } else if listedAccept && !otherAccept {
                text += (keys.count == 1 ? "== " : "in ") + set
            } else if !listedAccept && otherAccept {
                text += (keys.count == 1 ? "!= " : "not in ") + set
            } else {
                text += listedAccept ? "in any of " + set : "in none of " + set
            }
            if unknown == .maybe { text += ", or a string no policy mentions" }
            if absent { text += ", or absent" }
            return text
        }
    }

    static func quote(_ s: String) -> String {
        var w = JSONWriter()
        w.string(s)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    static func format4(_ n: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }

    private static func hex(_ v: UInt64) -> String { String(v, radix: 16) }

    private static func clock(_ seconds: Int32) -> String {
        let h = seconds / 3600, m = seconds / 60 % 60
        return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
    }
}

extension String {
    func padding(toLength n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
