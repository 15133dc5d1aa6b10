import PolicyLanguage

/// One value in the VM: three machine words, meaning fixed by the static type.
///
/// - int-like (int, bool, duration, time of day, weekday, risk, kind, timestamp): `a`
/// - string: `a` = symbol id, or -1 when the string is not one the policies
///   mention; then `b`, `c` = offset and length of its bytes in the frame
/// - ip: `a`, `b` = high and low 64 bits; cidr: the same plus `c` = 128-bit prefix
/// - set: `a` = 0 for frame elements / 1 for a constant set, `b` = start, `c` = count
struct Cell: Equatable, Sendable {
    var a: Int64
    var b: Int64
    var c: Int64

    init(a: Int64 = 0, b: Int64 = 0, c: Int64 = 0) {
        self.a = a
        self.b = b
        self.c = c
    }

    static let zero = Cell()
}

/// A dynamic read: which frame slot and which type the checker expects there.
struct DynamicRead: Sendable, Hashable {
    var slot: Int32
    var expected: DynamicType
}

/// The types a dynamic attribute may have in a request (0 = absent).
enum DynamicType: UInt8, Sendable {
    case absent = 0, string, int, bool, stringSet

    init?(_ type: ValueType) {
        switch type {
        case .string: self = .string
        case .int: self = .int
        case .bool: self = .bool
        case .set(.string): self = .stringSet
        default: return nil
        }
    }

    var name: String {
        switch self {
        case .absent: "absent"
        case .string: "string"
        case .int: "int"
        case .bool: "bool"
        case .stringSet: "set of string"
        }
    }
}

/// A `(start, count)` range into one of the program's flat tables.
struct TableRange: Sendable, Equatable {
    var start: Int32
    var count: Int32
}

/// A network as masks on the 128-bit form.
struct Network: Sendable, Equatable {
    var high: UInt64
    var low: UInt64
    var maskHigh: UInt64
    var maskLow: UInt64

    /// `cidr.prefix` counts on the 128-bit form (an IPv4 /8 is 104), as the front end stores it.
    init(_ cidr: CIDR) {
        let prefix = min(128, Int(cidr.prefix))
        maskHigh = prefix >= 64 ? ~0 : prefix == 0 ? 0 : ~0 << UInt64(64 - prefix)
        maskLow = prefix <= 64 ? 0 : prefix >= 128 ? ~0 : ~0 << UInt64(128 - prefix)
        high = cidr.address.high & maskHigh
        low = cidr.address.low & maskLow
    }

    @inline(__always) func contains(high h: UInt64, low l: UInt64) -> Bool {
        h & maskHigh == high && l & maskLow == low
    }
}

/// Per-policy metadata: what the combinator, answer writer and explain need.
struct PolicyInfo: Sendable {
    var name: String
    var mode: PolicyMode
    var effect: CheckedEffect
    var span: Span
    /// First code word (meaningless for disabled policies).
    var entry: Int32
    /// Where a run may start when the index has already decided the first
    /// target (just past its code); `entry` otherwise. Explain mode always
    /// starts at `entry`, so its trace shows every test.
    var fastEntry: Int32
    /// The policy's name, reason and controls pre-rendered for the hot answer writer.
    var nameJSON: [UInt8]
    var reasonJSON: [UInt8]
    var lifetime: Int64?
    /// Sorted symbol ids of the `scopes` ceiling (nil = no ceiling).
    var scopeCeiling: [Int32]?
    /// `require` strings as symbol ids, in source order.
    var require: [Int32]
}

/// Which kind of effect a policy has, as a small integer for the combinator.
enum EffectKind: UInt8, Sendable {
    case allow, deny, limit
    init(_ effect: CheckedEffect) {
        switch effect {
        case .allow: self = .allow
        case .deny: self = .deny
        case .limit: self = .limit
        }
    }
}

/// The per-policy columns the evaluator and the combinator read, as raw
/// buffers in a value that the program keeps at a fixed address (see
/// `Program.pin`). Owned by the program, which frees them.
struct PolicyColumns {
    let effects: UnsafeBufferPointer<UInt8>
    /// 0 enforce, 1 report-only, 2 disabled.
    let modes: UnsafeBufferPointer<UInt8>
    let entries: UnsafeBufferPointer<Int32>
    let fastEntries: UnsafeBufferPointer<Int32>
    /// Controls per policy, flattened: lifetime (`Int64.min` = none), scope
    /// ceiling (count -1 = none) and require ranges into `controlIDs`.
    let lifetimes: UnsafeBufferPointer<Int64>
    let ceilings: UnsafeBufferPointer<TableRange>
    let requires: UnsafeBufferPointer<TableRange>
    let controlIDs: UnsafeBufferPointer<Int32>
    let defaultAllows: Bool

    init(_ policies: [PolicyInfo], defaultAllows: Bool) {
        effects = Program.freeze(policies.map { EffectKind($0.effect).rawValue })
        modes = Program.freeze(policies.map { $0.mode == .enforce ? 0 : $0.mode == .reportOnly ? 1 : 2 })
        entries = Program.freeze(policies.map(\.entry))
        fastEntries = Program.freeze(policies.map(\.fastEntry))
        lifetimes = Program.freeze(policies.map { $0.lifetime ?? Int64.min })
        var ids: [Int32] = [], ceilings: [TableRange] = [], requires: [TableRange] = []
        for policy in policies {
            if let ceiling = policy.scopeCeiling {
                ceilings.append(TableRange(start: Int32(ids.count), count: Int32(ceiling.count)))
                ids += ceiling
            } else {
                ceilings.append(TableRange(start: 0, count: -1))
            }
            requires.append(TableRange(start: Int32(ids.count), count: Int32(policy.require.count)))
            ids += policy.require
        }
        self.ceilings = Program.freeze(ceilings)
        self.requires = Program.freeze(requires)
        controlIDs = Program.freeze(ids)
        self.defaultAllows = defaultAllows
    }

    func deallocate() {
        effects.deallocate(); modes.deallocate(); entries.deallocate(); fastEntries.deallocate(); lifetimes.deallocate()
        ceilings.deallocate(); requires.deallocate(); controlIDs.deallocate()
    }
}

/// Each policy's name and reason, pre-rendered as JSON strings back to back,
/// in a value like `PolicyColumns`: the answer writer copies them without
/// touching (retaining) the program or its `policies` array.
struct PolicyTexts {
    private let text: UnsafeBufferPointer<UInt8>
    private let names: UnsafeBufferPointer<TableRange>
    private let reasons: UnsafeBufferPointer<TableRange>

    init(_ policies: [PolicyInfo]) {
        var text: [UInt8] = [], names: [TableRange] = [], reasons: [TableRange] = []
        for policy in policies {
            names.append(TableRange(start: Int32(text.count), count: Int32(policy.nameJSON.count)))
            text += policy.nameJSON
            reasons.append(TableRange(start: Int32(text.count), count: Int32(policy.reasonJSON.count)))
            text += policy.reasonJSON
        }
        self.text = Program.freeze(text)
        self.names = Program.freeze(names)
        self.reasons = Program.freeze(reasons)
    }

    func deallocate() { text.deallocate(); names.deallocate(); reasons.deallocate() }

    /// The policy's name as a JSON string.
    @inline(__always) func name(_ policy: Int) -> UnsafeBufferPointer<UInt8> { slice(names[policy]) }

    /// The policy's deny reason as a JSON string (empty when it has none).
    @inline(__always) func reason(_ policy: Int) -> UnsafeBufferPointer<UInt8> { slice(reasons[policy]) }

    @inline(__always) private func slice(_ r: TableRange) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: text.baseAddress! + Int(r.start), count: Int(r.count))
    }
}

/// The compiled policy set: code, constants, tables and the policy index.
/// Immutable after construction; the flat tables are copied once into
/// unmanaged buffers so the VM walks them without bounds checks or ARC.
final class Program: @unchecked Sendable {
    let policies: [PolicyInfo]
    /// Pinned (see `pin`), like `hot` and the index's tables.
    let columns: UnsafeMutablePointer<PolicyColumns>
    let texts: PolicyTexts
    let code: UnsafeBufferPointer<UInt64>
    let constants: UnsafeBufferPointer<Cell>
    /// Elements of constant sets in source order (`Cell`s), and their sorted keys.
    let setCells: UnsafeBufferPointer<Cell>
    let setKeys: UnsafeBufferPointer<Int64>
    /// Per constant set: range into `setCells` and `setKeys` (same start).
    let sets: UnsafeBufferPointer<TableRange>
    let networks: UnsafeBufferPointer<Network>
    let cidrTables: UnsafeBufferPointer<TableRange>
    let globs: [Glob]
    let regexes: RegexTable
    let schedules: [CompiledSchedule]
    let hot: UnsafeMutablePointer<HotTables>
    let dynamicReads: UnsafeBufferPointer<DynamicRead>
    let symbols: SymbolTable
    let lookup: SymbolLookup
    /// Frame slots of dynamic attributes: per root, symbol id → slot (-1 = not read).
    let dynamicSlotBySymbol: UnsafeBufferPointer<UnsafeBufferPointer<Int32>>
    /// (root, name) of each slot, for error messages.
    let dynamicSlotNames: [(DynamicRoot, String)]
    let registerCount: Int
    let index: PolicyIndex
    let defaultDecision: DecisionKeyword
    /// Source spans of test instructions, by code offset, for explain and disasm.
    let debugSpans: [Int32: Span]
    let regexSources: [RegexLiteral]
    let constantDescriptions: [String]

    init(parts: ProgramParts) {
        policies = parts.policies
        columns = Program.pin(PolicyColumns(parts.policies, defaultAllows: parts.defaultDecision == .allow))
        texts = PolicyTexts(parts.policies)
        code = Program.freeze(parts.code)
        constants = Program.freeze(parts.constants)
        setCells = Program.freeze(parts.setCells)
        setKeys = Program.freeze(parts.setKeys)
        sets = Program.freeze(parts.sets)
        networks = Program.freeze(parts.networks)
        cidrTables = Program.freeze(parts.cidrTables)
        globs = parts.globs
        regexes = parts.regexes
        schedules = parts.schedules
        dynamicReads = Program.freeze(parts.dynamicReads)
        symbols = parts.symbols
        lookup = parts.symbols.lookupTable()
        hot = Program.pin(HotTables(globs: parts.globs, schedules: parts.schedules, regexes: parts.regexes,
                                    symbols: lookup, symbolCount: parts.symbols.count))
        dynamicSlotBySymbol = Program.freeze(parts.dynamicSlotBySymbol.map { Program.freeze($0) })
        dynamicSlotNames = parts.dynamicSlotNames
        registerCount = parts.registerCount
        index = parts.index
        defaultDecision = parts.defaultDecision
        debugSpans = parts.debugSpans
        regexSources = parts.regexSources
        constantDescriptions = parts.constantDescriptions
    }

    deinit {
        columns.pointee.deallocate()
        Program.unpin(columns)
        texts.deallocate()
        code.deallocate(); constants.deallocate()
        setCells.deallocate(); setKeys.deallocate(); sets.deallocate(); networks.deallocate()
        cidrTables.deallocate(); dynamicReads.deallocate()
        hot.pointee.deallocate()
        Program.unpin(hot)
        for table in dynamicSlotBySymbol { table.deallocate() }
        dynamicSlotBySymbol.deallocate()
        lookup.deallocate()
    }

    /// Copies an array into a buffer owned by the program (at least one element
    /// is allocated so the base address is never nil).
    static func freeze<T>(_ items: [T]) -> UnsafeBufferPointer<T> {
        let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, items.count))
        _ = buffer.initialize(from: items)
        return UnsafeBufferPointer(rebasing: buffer[0..<items.count])
    }

    /// A table struct at a fixed address, which every evaluator reads
    /// through a pointer. Copied into each evaluator, the thirty-odd words of
    /// the columns, index and glob/regex/schedule tables were cold cache lines
    /// on every decision once many evaluators (a server's connections) took
    /// turns; one copy stays in cache, and reading it retains nothing.
    static func pin<T>(_ value: T) -> UnsafeMutablePointer<T> {
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: 1)
        pointer.initialize(to: value)
        return pointer
    }

    static func unpin<T>(_ pointer: UnsafeMutablePointer<T>) {
        pointer.deinitialize(count: 1)
        pointer.deallocate()
    }

    var dynamicSlotCount: Int { dynamicSlotNames.count }
}

/// Everything the compiler builds, before it is frozen into a `Program`.
struct ProgramParts {
    var policies: [PolicyInfo] = []
    var code: [UInt64] = []
    var constants: [Cell] = []
    var setCells: [Cell] = []
    var setKeys: [Int64] = []
    var sets: [TableRange] = []
    var networks: [Network] = []
    var cidrTables: [TableRange] = []
    var globs: [Glob] = []
    var regexes = RegexTable()
    var schedules: [CompiledSchedule] = []
    var dynamicReads: [DynamicRead] = []
    var symbols = SymbolTable()
    var dynamicSlotBySymbol: [[Int32]] = [[], []]
    var dynamicSlotNames: [(DynamicRoot, String)] = []
    var registerCount = 0
    var index = PolicyIndex()
    var defaultDecision: DecisionKeyword = .deny
    var debugSpans: [Int32: Span] = [:]
    var regexSources: [RegexLiteral] = []
    var constantDescriptions: [String] = []
}
