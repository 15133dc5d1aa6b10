import PolicyLanguage

extension PolicyIndex {
    /// Files each enabled policy under its best guard and lays out the tables.
    static func build(_ policies: [CheckedPolicy], symbols: SymbolTable) -> PolicyIndex {
        var always: [Int32] = []
        var guards: [IndexGuard?] = []
        var bySlot: [[(policy: Int32, rule: IndexGuard)]] = Array(repeating: [], count: IndexGuard.slots.count)
        var networks: [(policy: Int32, network: Network)] = []
        for (i, policy) in policies.enumerated() {
            guard policy.mode != .disabled else { guards.append(nil); continue }
            let best = IndexGuard.best(for: policy, symbols: symbols)
            guards.append(best)
            switch best?.test {
            case .key(let slot, _, _, _, _, _): bySlot[slot].append((Int32(i), best!))
            case .network(let cidrs): networks += cidrs.map { (Int32(i), Network($0)) }
            case nil: always.append(Int32(i))
            }
        }
        var lists: [Int32] = []
        func append(_ policies: [Int32]) -> TableRange {
            let range = TableRange(start: Int32(lists.count), count: Int32(policies.count))
            lists += policies
            return range
        }
        var rows: [[TableRange]] = []
        for (slot, filed) in bySlot.enumerated() {
            guard !filed.isEmpty else { rows.append([]); continue }
            let domain = IndexGuard.slots[slot].domain == 0 ? symbols.count : IndexGuard.slots[slot].domain
            var mentioned: Set<Int64> = []
            for (_, g) in filed {
                if case .key(_, let listed, _, _, _, _) = g.test { mentioned.formUnion(listed) }
            }
            var row = Array(repeating: TableRange(start: 0, count: 0), count: domain + 2)
            row[0] = append(filed.filter { g in
                if case .key(_, _, _, _, _, let absent) = g.rule.test { absent } else { true }
            }.map(\.policy))
            row[1] = append(filed.filter { $0.rule.accepts(key: -1) }.map(\.policy))
            let other = append(filed.filter { g in
                if case .key(_, _, _, let otherAccept, _, _) = g.rule.test { otherAccept } else { true }
            }.map(\.policy))
            for key in 0..<domain {
                row[key + 2] = mentioned.contains(Int64(key))
                    ? append(filed.filter { $0.rule.accepts(key: Int64(key)) }.map(\.policy)) : other
            }
            rows.append(row)
        }
        return PolicyIndex(policyCount: policies.count, always: always, rows: rows,
                           intervals: intervals(networks, append), lists: lists, guards: guards)
    }

    /// Splits the address space at every network's first address and the one
    /// after its last, so each piece is wholly inside or outside each network.
    private static func intervals(_ networks: [(policy: Int32, network: Network)],
                                  _ append: ([Int32]) -> TableRange) -> [(UInt64, UInt64, TableRange)] {
        guard !networks.isEmpty else { return [] }
        typealias Address = (high: UInt64, low: UInt64)
        func last(_ n: Network) -> Address { (n.high | ~n.maskHigh, n.low | ~n.maskLow) }
        var points: [Address] = []
        for (_, n) in networks {
            points.append((n.high, n.low))
            let end = last(n)
            if end.low != .max { points.append((end.high, end.low + 1)) }
            else if end.high != .max { points.append((end.high + 1, 0)) }
        }
        points.sort { $0 < $1 }
        var unique: [Address] = []
        for p in points where unique.last.map({ $0 != p }) ?? true { unique.append(p) }
        var members = Array(repeating: Set<Int32>(), count: unique.count)
        for (policy, n) in networks {
            let start: Address = (n.high, n.low)
            var lo = 0, hi = unique.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if unique[mid] < start { lo = mid + 1 } else { hi = mid }
            }
            let end = last(n)
            var i = lo
            while i < unique.count, unique[i] <= end {
                members[i].insert(policy)
                i += 1
            }
        }
        return unique.indices.map { (unique[$0].high, unique[$0].low, append(members[$0].sorted())) }
    }
}
