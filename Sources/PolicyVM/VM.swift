#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PolicyLanguage

/// How one policy came out.
enum PolicyStatus: UInt8 {
    /// A target did not hold (or the policy was not a candidate).
    case notApplicable
    case notMatched
    case matched
    /// The condition raised a runtime error (see `VMError`).
    case errored
}

/// The runtime error that aborted a policy: what and where, rendered later.
struct VMError: Equatable {
    var code: EvaluationErrorCode
    /// The operand (signal or dynamic read) or regex index involved.
    var detail: Int32
    /// For `attribute_type`: the type found in the request.
    var found: DynamicType
}

/// One executed test, recorded only in explain mode.
struct TraceEntry: Equatable {
    var pc: Int32
    var flag: Bool
}

/// Where `VM.run` writes how each candidate came out.
struct VMOutcomes {
    /// Per candidate, in the order given.
    let statuses: UnsafeMutablePointer<PolicyStatus>
    /// Per errored candidate: the policy and its error, in candidate order.
    let errorPolicies: UnsafeMutablePointer<Int32>
    let errors: UnsafeMutablePointer<VMError>
    /// Explain mode only: each executed test, up to `traceCapacity`.
    let trace: UnsafeMutablePointer<TraceEntry>?
    let traceCapacity: Int
}

/// The interpreter: a struct of raw pointers into the program and the frame,
/// built once per evaluator (the frame is reused, so its pointers are too);
/// `run` walks validated code with no bounds checks, no ARC and no allocation.
struct VM {
    let code: UnsafePointer<UInt64>
    let constants: UnsafePointer<Cell>
    var signals: UnsafePointer<Cell>
    var dynamicCells: UnsafePointer<Cell>
    var dynamicTypes: UnsafePointer<UInt8>
    let dynamicReads: UnsafePointer<DynamicRead>
    var elements: UnsafePointer<Cell>
    let setCells: UnsafePointer<Cell>
    let setKeys: UnsafePointer<Int64>
    let sets: UnsafePointer<TableRange>
    let networks: UnsafePointer<Network>
    let cidrTables: UnsafePointer<TableRange>
    let registers: UnsafeMutablePointer<Cell>
    /// Per register: the set being iterated (a `Cell`) and the position in `c`… kept apart.
    let iterSets: UnsafeMutablePointer<Cell>
    let iterIndex: UnsafeMutablePointer<Int>
    /// The glob, regex and schedule tables, read in place (see `execute`).
    let hot: UnsafePointer<HotTables>
    let matchData: OpaquePointer

    /// Runs each candidate policy from its entry, in the order given, writing
    /// its status (and any error) to `out`; returns the number of errors and
    /// sets `traced` to the number of trace entries written. One call per
    /// decision: the tables are loaded into registers once, not per policy.
    /// `present` and `frameBytes` come from the frame per request (a long
    /// request may move its string storage). The VM is read through a
    /// pointer, field by field: a method on the struct itself received a copy
    /// of all of it on every call.
    static func run(_ vm: UnsafePointer<VM>, candidates: UnsafePointer<Int32>, count: Int,
                    entries: UnsafePointer<Int32>, present: UInt32, frameBytes: UnsafePointer<UInt8>,
                    out: VMOutcomes, traced: inout Int) -> Int {
        // Two copies of the loop, so the common one has no per-test trace check.
        if out.trace == nil {
            return execute(vm, candidates: candidates, count: count, entries: entries, present: present,
                           frameBytes: frameBytes, out: out, traced: &traced, tracing: false)
        }
        return execute(vm, candidates: candidates, count: count, entries: entries, present: present,
                       frameBytes: frameBytes, out: out, traced: &traced, tracing: true)
    }

    @inline(__always)
    private static func execute(_ vm: UnsafePointer<VM>, candidates: UnsafePointer<Int32>, count: Int,
                                entries: UnsafePointer<Int32>, present: UInt32, frameBytes: UnsafePointer<UInt8>,
                                out: VMOutcomes, traced: inout Int, tracing: Bool) -> Int {
        // The tables live in locals for the loop: stores through the register
        // pointers could otherwise alias the VM, forcing a reload of every
        // field after each one.
        let code = vm.pointee.code, signals = vm.pointee.signals, constants = vm.pointee.constants
        let elements = vm.pointee.elements, setCells = vm.pointee.setCells, setKeys = vm.pointee.setKeys
        let sets = vm.pointee.sets
        // The other tables (registers, dynamic attributes, networks, globs,
        // regexes, schedules) are read through `vm` where an instruction needs
        // them: as locals they were all loaded and spilled on every call, for
        // about a hundred instructions per decision, whatever the policies used.
        let trace = out.trace, traceCapacity = out.traceCapacity
        var traceCount = 0
        var errorCount = 0
        var failure = VMError(code: .absentSignal, detail: 0, found: .absent)

        /// Reads an operand; nil after recording an error (absent or mistyped).
        @inline(__always) func load(_ raw: UInt16) -> Cell? {
            let index = Int(raw & 0x1FFF)
            let kind = raw >> 13
            // Signals first: most operands are signals. (A signal's index is
            // below 32, so the masking shift needs no range check.)
            if _fastPath(kind == Operand.Kind.signal.rawValue) {
                guard present & (1 &<< UInt32(truncatingIfNeeded: index)) != 0 else {
                    failure = VMError(code: .absentSignal, detail: Int32(index), found: .absent)
                    return nil
                }
                return signals[index]
            }
            if kind == Operand.Kind.constant.rawValue { return constants[index] }
            if kind == Operand.Kind.register.rawValue { return vm.pointee.registers[index] }
            let read = vm.pointee.dynamicReads[index]
            let found = vm.pointee.dynamicTypes[Int(read.slot)]
            guard found == read.expected.rawValue else {
                failure = VMError(code: found == 0 ? .absentAttribute : .attributeType, detail: Int32(index),
                                  found: DynamicType(rawValue: found) ?? .absent)
                return nil
            }
            return vm.pointee.dynamicCells[Int(read.slot)]
        }
        @inline(__always) func element(_ set: Cell, _ i: Int) -> Cell {
            VM.element(set, i, elements: elements, setCells: setCells, sets: sets)
        }

        for candidate in 0..<count {
            var pc = Int(entries[Int(candidates[candidate])])
            // A fast entry starts past a target the index decided (it held, so
            // its code would have left the flag set); at a full entry the
            // first instruction sets the flag itself.
            var flag = true
            var status = PolicyStatus.notApplicable
            execute: while true {
                let w = code[pc]
                let at = pc
                pc &+= 1
                let a = UInt16(truncatingIfNeeded: w >> 16)
                let c = UInt16(truncatingIfNeeded: w >> 48)
                var result: Bool
                switch unsafeBitCast(UInt8(truncatingIfNeeded: w), to: Opcode.self) {
                case .jmp:
                    pc = Int(UInt32(truncatingIfNeeded: w >> 32)); continue
                case .jf:
                    if !flag { pc = Int(UInt32(truncatingIfNeeded: w >> 32)) }
                    continue
                case .jt:
                    if flag { pc = Int(UInt32(truncatingIfNeeded: w >> 32)) }
                    continue
                case .not:
                    flag = !flag; continue
                case .set:
                    flag = w & 0x100 != 0; continue
                case .target:
                    if !flag { status = w & 0x200 != 0 ? .notMatched : .notApplicable; break execute }
                    continue
                case .ret:
                    status = flag ? .matched : .notMatched; break execute
                case .eqsym, .eqkind:
                    guard let x = load(a) else { status = .errored; break execute }
                    result = x.a == Int64(c)
                case .cmp:
                    guard let x = load(a), let y = load(UInt16(truncatingIfNeeded: w >> 32)) else {
                        status = .errored; break execute
                    }
                    result = VM.compare(x.a, y.a, UInt8(truncatingIfNeeded: w >> 12) & 0xF)
                case .eqs:
                    guard let x = load(a), let y = load(UInt16(truncatingIfNeeded: w >> 32)) else {
                        status = .errored; break execute
                    }
                    result = VMValues.stringsEqual(x, y, frame: frameBytes)
                case .eqip:
                    guard let x = load(a), let y = load(UInt16(truncatingIfNeeded: w >> 32)) else {
                        status = .errored; break execute
                    }
                    result = x.a == y.a && x.b == y.b
                case .eqv:
                    guard let x = load(a), let y = load(UInt16(truncatingIfNeeded: w >> 32)) else {
                        status = .errored; break execute
                    }
                    result = VM.valuesEqual(x, y, type: UInt8(truncatingIfNeeded: w >> 12) & 0xF,
                                            elements: elements, setCells: setCells, sets: sets, frame: frameBytes)
                case .insym, .inint:
                    guard let x = load(a) else { status = .errored; break execute }
                    result = VM.contains(setKeys, sets[Int(c)], x.a)
                case .incidr:
                    guard let x = load(a) else { status = .errored; break execute }
                    let table = vm.pointee.cidrTables[Int(c)]
                    let high = UInt64(bitPattern: x.a), low = UInt64(bitPattern: x.b)
                    result = false
                    var i = Int(table.start)
                    let end = i + Int(table.count)
                    while i < end {
                        if vm.pointee.networks[i].contains(high: high, low: low) { result = true; break }
                        i += 1
                    }
                case .inset:
                    guard let x = load(a), let set = load(UInt16(truncatingIfNeeded: w >> 32)) else {
                        status = .errored; break execute
                    }
                    result = VM.setContains(set, x, type: UInt8(truncatingIfNeeded: w >> 12) & 0xF,
                                            elements: elements, setCells: setCells, sets: sets, frame: frameBytes)
                case .like:
                    guard let x = load(a) else { status = .errored; break execute }
                    result = vm.pointee.hot.pointee.like(Int(c), x, frame: frameBytes)
                case .match:
                    guard let x = load(a) else { status = .errored; break execute }
                    switch vm.pointee.hot.pointee.match(Int(c), x, frame: frameBytes, data: vm.pointee.matchData) {
                    case .matched: result = true
                    case .notMatched: result = false
                    case .limit:
                        failure = VMError(code: .regexLimit, detail: Int32(c), found: .absent)
                        status = .errored; break execute
                    }
                case .sched:
                    guard let x = load(a) else { status = .errored; break execute }
                    result = vm.pointee.hot.pointee.schedule(Int(c), contains: x.a)
                case .has:
                    let index = Int(a & 0x1FFF)
                    if a >> 13 == Operand.Kind.signal.rawValue {
                        result = present & (1 &<< UInt32(truncatingIfNeeded: index)) != 0
                    } else {
                        result = vm.pointee.dynamicTypes[Int(vm.pointee.dynamicReads[index].slot)] != 0
                    }
                case .sub:
                    guard let x = load(a), let y = load(UInt16(truncatingIfNeeded: w >> 32)) else {
                        status = .errored; break execute
                    }
                    vm.pointee.registers[Int(c)] = Cell(a: x.a &- y.a)
                    continue
                case .store:
                    vm.pointee.registers[Int(c)] = Cell(a: flag ? 1 : 0)
                    continue
                case .qin, .qlike, .qmatch:
                    guard let set = load(a) else { status = .errored; break execute }
                    let x = UInt8(truncatingIfNeeded: w >> 12) & 0xF
                    let all = x & 1 != 0, bodyNegated = x & 2 != 0
                    result = all
                    var i = 0
                    var limited = false
                    while i < Int(set.c) {
                        let e = element(set, i)
                        var body: Bool
                        switch unsafeBitCast(UInt8(truncatingIfNeeded: w), to: Opcode.self) {
                        case .qin: body = VM.contains(setKeys, sets[Int(c)], e.a)
                        case .qlike: body = vm.pointee.hot.pointee.like(Int(c), e, frame: frameBytes)
                        default:
                            switch vm.pointee.hot.pointee.match(Int(c), e, frame: frameBytes, data: vm.pointee.matchData) {
                            case .matched: body = true
                            case .notMatched: body = false
                            case .limit: body = false; limited = true
                            }
                        }
                        if limited { break }
                        if body != bodyNegated { if !all { result = true; break } } else if all { result = false; break }
                        i += 1
                    }
                    if limited {
                        failure = VMError(code: .regexLimit, detail: Int32(c), found: .absent)
                        status = .errored; break execute
                    }
                case .forprep:
                    guard let set = load(a) else { status = .errored; break execute }
                    let register = Int(UInt16(truncatingIfNeeded: w >> 32))
                    if set.c == 0 {
                        flag = (w >> 12) & 0xF == 1
                        pc = at + Int(c)
                        continue
                    }
                    vm.pointee.iterSets[register] = set
                    vm.pointee.iterIndex[register] = 0
                    vm.pointee.registers[register] = element(set, 0)
                    continue
                case .forloop:
                    let stop = (w >> 12) & 0xF == 0
                    if flag == stop { continue }
                    let register = Int(a)
                    let next = vm.pointee.iterIndex[register] + 1
                    let set = vm.pointee.iterSets[register]
                    if next < Int(set.c) {
                        vm.pointee.iterIndex[register] = next
                        vm.pointee.registers[register] = element(set, next)
                        pc = Int(UInt32(truncatingIfNeeded: w >> 32))
                    }
                    continue
                }
                flag = result != (w & 0x100 != 0)
                if tracing, let trace, traceCount < traceCapacity {
                    trace[traceCount] = TraceEntry(pc: Int32(at), flag: flag)
                    traceCount += 1
                }
                // A false conjunct or target leaves the policy now (`k` exit
                // bits); a test with the return bit leaves it either way.
                if w & 0xE00 != 0, !flag || w & 0x800 != 0 {
                    status = flag ? .matched : w & 0x400 != 0 ? .notApplicable : .notMatched
                    break execute
                }
            }
            out.statuses[candidate] = status
            if status == .errored {
                out.errorPolicies[errorCount] = candidates[candidate]
                out.errors[errorCount] = failure
                errorCount += 1
            }
        }
        traced = traceCount
        return errorCount
    }

    @inline(__always)
    static func compare(_ x: Int64, _ y: Int64, _ op: UInt8) -> Bool {
        switch op {
        case 0: x == y
        case 1: x != y
        case 2: x < y
        case 3: x <= y
        case 4: x > y
        default: x >= y
        }
    }

    /// Binary search in a sorted key range.
    @inline(__always)
    static func contains(_ keys: UnsafePointer<Int64>, _ range: TableRange, _ key: Int64) -> Bool {
        var low = Int(range.start), high = Int(range.start + range.count)
        while low < high {
            let mid = (low + high) >> 1
            let k = keys[mid]
            if k == key { return true }
            if k < key { low = mid + 1 } else { high = mid }
        }
        return false
    }

    /// Element `i` of a set cell (frame elements or a constant set).
    @inline(__always)
    static func element(_ set: Cell, _ i: Int, elements: UnsafePointer<Cell>, setCells: UnsafePointer<Cell>,
                        sets: UnsafePointer<TableRange>) -> Cell {
        set.a == 0 ? elements[Int(set.b) + i] : setCells[Int(sets[Int(set.b)].start) + i]
    }

    /// Whether `set` holds `x`. An interned string in a request set
    /// (`"g" in subject.groups`) is found by id alone, inline: an element with
    /// its bytes has its id too.
    @inline(__always)
    static func setContains(_ set: Cell, _ x: Cell, type: UInt8, elements: UnsafePointer<Cell>,
                            setCells: UnsafePointer<Cell>, sets: UnsafePointer<TableRange>,
                            frame: UnsafePointer<UInt8>) -> Bool {
        guard type == TypeCode.string, x.a >= 0, set.a == 0 else {
            return setContainsByValue(set, x, type: type, elements: elements, setCells: setCells, sets: sets,
                                      frame: frame)
        }
        var i = Int(set.b)
        let end = i &+ Int(set.c)
        while i < end {
            if elements[i].a == x.a { return true }
            i &+= 1
        }
        return false
    }

    /// `setContains` element by element, by `valuesEqual`.
    private static func setContainsByValue(_ set: Cell, _ x: Cell, type: UInt8, elements: UnsafePointer<Cell>,
                                           setCells: UnsafePointer<Cell>, sets: UnsafePointer<TableRange>,
                                           frame: UnsafePointer<UInt8>) -> Bool {
        var i = 0
        while i < Int(set.c) {
            if valuesEqual(element(set, i, elements: elements, setCells: setCells, sets: sets), x, type: type,
                           elements: elements, setCells: setCells, sets: sets, frame: frame) { return true }
            i += 1
        }
        return false
    }

    /// Equality by type code (TypeCode): strings by id or bytes, sets as sets.
    static func valuesEqual(_ x: Cell, _ y: Cell, type: UInt8, elements: UnsafePointer<Cell>,
                            setCells: UnsafePointer<Cell>, sets: UnsafePointer<TableRange>,
                            frame: UnsafePointer<UInt8>) -> Bool {
        switch type {
        case TypeCode.string: return VMValues.stringsEqual(x, y, frame: frame)
        case TypeCode.ip: return x.a == y.a && x.b == y.b
        case TypeCode.cidr: return x.a == y.a && x.b == y.b && x.c == y.c
        case TypeCode.stringSet, TypeCode.intSet:
            let elementType = type == TypeCode.stringSet ? TypeCode.string : TypeCode.int
            @inline(__always) func contains(_ set: Cell, _ e: Cell) -> Bool {
                setContains(set, e, type: elementType, elements: elements, setCells: setCells, sets: sets, frame: frame)
            }
            @inline(__always) func at(_ set: Cell, _ i: Int) -> Cell {
                element(set, i, elements: elements, setCells: setCells, sets: sets)
            }
            for i in 0..<Int(x.c) where !contains(y, at(x, i)) { return false }
            for i in 0..<Int(y.c) where !contains(x, at(y, i)) { return false }
            return true
        default: return x.a == y.a
        }
    }
}

/// Value helpers shared by the decoder and the VM.
enum VMValues {
    /// Interned strings compare by id; a string the policies never mention
    /// (id -1) can only equal another such string, byte for byte.
    @inline(__always)
    static func stringsEqual(_ x: Cell, _ y: Cell, frame: UnsafePointer<UInt8>) -> Bool {
        if x.a >= 0 || y.a >= 0 { return x.a == y.a }
        return x.c == y.c && (x.c == 0 || memcmp(frame + Int(x.b), frame + Int(y.b), Int(x.c)) == 0)
    }
}
