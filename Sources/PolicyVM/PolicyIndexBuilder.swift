import PolicyLanguage

extension PolicyIndex {
    /// Lays out the index of a policy set (see `PolicyIndex` for the two layouts).
    static func build(_ policies: [CheckedPolicy], symbols: SymbolTable, layout: Layout = .automatic) -> PolicyIndex {
        let bitsets = switch layout {
        case .automatic: policies.count <= bitsetPolicyLimit
        case .bitsets: true
        case .lists: false
        }
        let guards = policies.map { policy -> [IndexGuard] in
            guard policy.mode != .disabled else { return [] }
            if bitsets { return IndexGuard.all(for: policy, symbols: symbols) }
            return IndexGuard.best(for: policy, symbols: symbols).map { [$0] } ?? []
        }
        let tables = bitsets ? bitsetTables(policies, guards, symbols) : listTables(policies, guards, symbols)
        return PolicyIndex(tables: tables, guards: guards)
    }

    /// The values of a slot's row: symbol ids for strings, raw values for enums.
    private static func domain(_ slot: Int, _ symbols: SymbolTable) -> Int {
        IndexGuard.slots[slot].domain == 0 ? symbols.count : IndexGuard.slots[slot].domain
    }

    private static func keyGuards(_ guards: [[IndexGuard]], slot: Int) -> [(policy: Int, guards: [IndexGuard])] {
        guards.enumerated().compactMap { policy, all in
            let mine = all.filter { $0.slot == slot }
            return mine.isEmpty ? nil : (policy, mine)
        }
    }

    private static func networkGuards(_ guards: [[IndexGuard]]) -> [(policy: Int, guards: [[Network]])] {
        guards.enumerated().compactMap { policy, all in
            let mine = all.compactMap { g -> [Network]? in
                if case .network(let cidrs) = g.test { cidrs.map(Network.init) } else { nil }
            }
            return mine.isEmpty ? nil : (policy, mine)
        }
    }

    // MARK: Bitsets

    private static func bitsetTables(_ policies: [CheckedPolicy], _ guards: [[IndexGuard]],
                                     _ symbols: SymbolTable) -> IndexTables {
        let words = max(1, (policies.count + 63) / 64)
        var pool: [UInt64] = []
        var offsets: [[UInt64]: Int32] = [:]
        func intern(_ bits: [UInt64]) -> TableRange {
            if let offset = offsets[bits] { return TableRange(start: offset, count: Int32(words)) }
            let offset = Int32(pool.count)
            pool += bits
            offsets[bits] = offset
            return TableRange(start: offset, count: Int32(words))
        }
        func clear(_ bits: inout [UInt64], _ policy: Int) { bits[policy >> 6] &= ~(1 << UInt64(policy & 63)) }
        func set(_ bits: inout [UInt64], _ policy: Int) { bits[policy >> 6] |= 1 << UInt64(policy & 63) }
        var enabled = Array(repeating: UInt64(0), count: words)
        for (i, policy) in policies.enumerated() where policy.mode != .disabled { set(&enabled, i) }

        var rows: [IndexRow] = []
        for slot in IndexGuard.slots.indices {
            let guarded = keyGuards(guards, slot: slot)
            guard !guarded.isEmpty else { continue }
            /// The enabled policies, less the guarded ones whose guards do not all pass.
            func passing(_ accepts: (IndexGuard) -> Bool) -> [UInt64] {
                var bits = enabled
                for (policy, mine) in guarded where !mine.allSatisfy(accepts) { clear(&bits, policy) }
                return bits
            }
            let absent = passing(\.acceptsAbsent)
            let unknown = passing { $0.accepts(key: -1) }
            // A key no guard of a policy lists gets each guard's `otherAccept`.
            let other = passing(\.acceptsOther)
            var listing: [Int64: [Int]] = [:]
            for (index, (_, mine)) in guarded.enumerated() {
                for key in Set(mine.flatMap(\.listed)) { listing[key, default: []].append(index) }
            }
            let otherEntry = intern(other)
            var entries = [intern(absent), intern(unknown)]
            for key in 0..<domain(slot, symbols) {
                guard let indexes = listing[Int64(key)] else { entries.append(otherEntry); continue }
                var bits = other
                for index in indexes {
                    let (policy, mine) = guarded[index]
                    if mine.allSatisfy({ $0.accepts(key: Int64(key)) }) { set(&bits, policy) } else { clear(&bits, policy) }
                }
                entries.append(intern(bits))
            }
            // A row whose every entry is the same bitset tells requests apart
            // no better than `enabled` can hold it: fold it in.
            if entries.allSatisfy({ $0 == entries[0] }) {
                let start = Int(entries[0].start)
                for w in 0..<words { enabled[w] &= pool[start + w] }
                continue
            }
            rows.append(IndexRow(signal: IndexGuard.slots[slot].signal, entries: entries))
        }

        let networked = networkGuards(guards)
        var intervals: [(UInt64, UInt64, TableRange)] = []
        var below = TableRange(start: 0, count: 0)
        if !networked.isEmpty {
            // Outside every network, only the policies without a network guard pass.
            var outside = enabled
            for (policy, _) in networked { clear(&outside, policy) }
            below = intern(outside)
            let points = intervalStarts(networked.flatMap { $0.guards.flatMap { $0 } })
            // Per interval, the policies all of whose network guards cover it.
            var passing = Array(repeating: outside, count: points.count)
            for (policy, all) in networked {
                var covered = Array(repeating: 0, count: points.count)
                for networks in all {
                    var inGuard = Set<Int>()
                    for n in networks { inGuard.formUnion(coveredIntervals(n, points)) }
                    for i in inGuard { covered[i] += 1 }
                }
                for i in points.indices where covered[i] == all.count { set(&passing[i], policy) }
            }
            intervals = points.indices.map { (points[$0].high, points[$0].low, intern(passing[$0])) }
        }
        return IndexTables(policyCount: policies.count, usesBitsets: true, rows: rows, intervals: intervals,
                           belowIntervals: below, enabled: enabled, pool: pool)
    }

    // MARK: Lists

    private static func listTables(_ policies: [CheckedPolicy], _ guards: [[IndexGuard]],
                                   _ symbols: SymbolTable) -> IndexTables {
        var lists: [Int32] = []
        func append(_ policies: [Int]) -> TableRange {
            let range = TableRange(start: Int32(lists.count), count: Int32(policies.count))
            lists += policies.map { Int32($0) }
            return range
        }
        let always = policies.indices.filter { policies[$0].mode != .disabled && guards[$0].isEmpty }.map { Int32($0) }
        var rows: [IndexRow] = []
        for slot in IndexGuard.slots.indices {
            let filed = keyGuards(guards, slot: slot).map { (policy: $0.policy, rule: $0.guards[0]) }
            guard !filed.isEmpty else { continue }
            let mentioned = Set(filed.flatMap(\.rule.listed))
            var entries = [append(filed.filter(\.rule.acceptsAbsent).map(\.policy)),
                           append(filed.filter { $0.rule.accepts(key: -1) }.map(\.policy))]
            let other = append(filed.filter(\.rule.acceptsOther).map(\.policy))
            for key in 0..<domain(slot, symbols) {
                entries.append(mentioned.contains(Int64(key))
                    ? append(filed.filter { $0.rule.accepts(key: Int64(key)) }.map(\.policy)) : other)
            }
            rows.append(IndexRow(signal: IndexGuard.slots[slot].signal, entries: entries))
        }
        let networked = networkGuards(guards).map { (policy: $0.policy, networks: $0.guards[0]) }
        var intervals: [(UInt64, UInt64, TableRange)] = []
        if !networked.isEmpty {
            let points = intervalStarts(networked.flatMap(\.networks))
            var members = Array(repeating: Set<Int>(), count: points.count)
            for (policy, networks) in networked {
                for n in networks { for i in coveredIntervals(n, points) { members[i].insert(policy) } }
            }
            intervals = points.indices.map { (points[$0].high, points[$0].low, append(members[$0].sorted())) }
        }
        return IndexTables(policyCount: policies.count, rows: rows, intervals: intervals, always: always, lists: lists)
    }

    // MARK: Network intervals

    typealias Address = (high: UInt64, low: UInt64)

    private static func lastAddress(_ n: Network) -> Address { (n.high | ~n.maskHigh, n.low | ~n.maskLow) }

    /// Splits the address space at every network's first address and the one
    /// after its last, so each piece is wholly inside or outside each network;
    /// returns the start of each piece, ascending.
    private static func intervalStarts(_ networks: [Network]) -> [Address] {
        var points: [Address] = []
        for n in networks {
            points.append((n.high, n.low))
            let end = lastAddress(n)
            if end.low != .max { points.append((end.high, end.low + 1)) }
            else if end.high != .max { points.append((end.high + 1, 0)) }
        }
        points.sort { $0 < $1 }
        var unique: [Address] = []
        for p in points where unique.last.map({ $0 != p }) ?? true { unique.append(p) }
        return unique
    }

    /// The pieces (indexes into `points`) inside network `n`.
    private static func coveredIntervals(_ n: Network, _ points: [Address]) -> Range<Int> {
        let start: Address = (n.high, n.low)
        var lo = 0, hi = points.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if points[mid] < start { lo = mid + 1 } else { hi = mid }
        }
        let end = lastAddress(n)
        var i = lo
        while i < points.count, points[i] <= end { i += 1 }
        return lo..<i
    }
}
