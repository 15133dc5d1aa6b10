import PolicyLanguage

/// Which policies can apply to a request, from their `target` clauses.
///
/// Each policy is filed under at most one key: its most selective target of
/// the form `S == C` or `S in [C…]` with S one of the indexed signals; a policy
/// with no such target is a candidate for every request. A request's
/// candidates are the union, in policy order, of the unkeyed policies and the
/// lists under its own values, so cost follows the candidates, not the set
/// size. Candidates still run all their targets: the index only prunes.
final class PolicyIndex: @unchecked Sendable {
    /// Indexed signals, most selective first.
    static let signals: [Signal] = [.subjectID, .subjectBlueprint, .audience, .subjectSponsor, .subjectKind]

    /// Policies every request must run, ascending.
    let always: UnsafeBufferPointer<Int32>
    /// Per indexed signal, per key (symbol id or kind): a range into `lists`.
    let ranges: [UnsafeBufferPointer<TableRange>]
    let lists: UnsafeBufferPointer<Int32>
    /// Per policy: the index slot and key it is filed under (-1 = always), for disasm.
    let keys: [(slot: Int, key: Int64)?]

    convenience init() { self.init(always: [], perSignal: Array(repeating: [:], count: 5), keyCount: 0, keys: []) }

    init(always: [Int32], perSignal: [[Int64: [Int32]]], keyCount: Int, keys: [(slot: Int, key: Int64)?]) {
        func freeze<T>(_ items: [T]) -> UnsafeBufferPointer<T> {
            let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, items.count))
            _ = buffer.initialize(from: items)
            return UnsafeBufferPointer(rebasing: buffer[0..<items.count])
        }
        self.always = freeze(always)
        var lists: [Int32] = []
        var ranges: [UnsafeBufferPointer<TableRange>] = []
        for table in perSignal {
            var row = Array(repeating: TableRange(start: 0, count: 0), count: max(keyCount, 4))
            for (key, policies) in table.sorted(by: { $0.key < $1.key }) where key >= 0 && Int(key) < row.count {
                row[Int(key)] = TableRange(start: Int32(lists.count), count: Int32(policies.count))
                lists.append(contentsOf: policies)
            }
            ranges.append(freeze(row))
        }
        self.ranges = ranges
        self.lists = freeze(lists)
        self.keys = keys
    }

    deinit {
        always.deallocate()
        lists.deallocate()
        for r in ranges { r.deallocate() }
    }

    /// The key a target files a policy under, if it has an indexable shape.
    static func key(of target: TypedExpr, symbols: SymbolTable) -> (slot: Int, keys: [Int64])? {
        func constantKeys(_ value: Value) -> [Int64]? {
            switch value {
            case .string(let s): symbols.id(of: s).map { [Int64($0)] }
            case .kind(let k): [Int64(k.rawValue)]
            case .set(let items, _):
                items.reduce(into: [Int64]?.some([])) { acc, item in
                    guard let keys = constantKeys(item), acc != nil else { acc = nil; return }
                    acc! += keys
                }
            default: nil
            }
        }
        switch target.kind {
        case .compare(.equal, let lhs, let rhs):
            guard case .signal(let s) = lhs.kind, let slot = signals.firstIndex(of: s),
                  case .constant(let v) = rhs.kind, let keys = constantKeys(v) else { return nil }
            return (slot, keys)
        case .member(let element, let set, negated: false):
            guard case .signal(let s) = element.kind, let slot = signals.firstIndex(of: s),
                  case .constant(let v) = set.kind, let keys = constantKeys(v) else { return nil }
            return (slot, keys)
        default:
            return nil
        }
    }

    /// Builds the index for the enabled policies.
    static func build(_ policies: [CheckedPolicy], symbols: SymbolTable) -> PolicyIndex {
        var always: [Int32] = []
        var perSignal: [[Int64: [Int32]]] = Array(repeating: [:], count: signals.count)
        var keys: [(slot: Int, key: Int64)?] = []
        for (i, policy) in policies.enumerated() {
            guard policy.mode != .disabled else { keys.append(nil); continue }
            let best = policy.targets.compactMap { key(of: $0, symbols: symbols) }.min { $0.slot < $1.slot }
            if let best {
                for key in Set(best.keys) { perSignal[best.slot][key, default: []].append(Int32(i)) }
                keys.append((best.slot, best.keys.first ?? -1))
            } else {
                always.append(Int32(i))
                keys.append(nil)
            }
        }
        return PolicyIndex(always: always, perSignal: perSignal, keyCount: symbols.count, keys: keys)
    }

    /// Writes the candidates for a request (its key per indexed signal, -1 =
    /// none) into `out`, ascending; returns how many.
    @inline(__always)
    func candidates(keys requestKeys: UnsafePointer<Int64>, into out: UnsafeMutablePointer<Int32>) -> Int {
        // Up to six ascending lists; a k-way merge by repeated minimum.
        var heads: (UnsafePointer<Int32>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?,
                    UnsafePointer<Int32>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) = (nil, nil, nil, nil, nil, nil)
        var ends: (UnsafePointer<Int32>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?,
                   UnsafePointer<Int32>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) = (nil, nil, nil, nil, nil, nil)
        return withUnsafeMutableBytes(of: &heads) { headBytes in
            withUnsafeMutableBytes(of: &ends) { endBytes in
                let h = headBytes.baseAddress!.assumingMemoryBound(to: UnsafePointer<Int32>?.self)
                let e = endBytes.baseAddress!.assumingMemoryBound(to: UnsafePointer<Int32>?.self)
                var lists = 0
                if always.count > 0 {
                    h[0] = always.baseAddress; e[0] = always.baseAddress! + always.count; lists = 1
                }
                for slot in 0..<PolicyIndex.signals.count {
                    let key = requestKeys[slot]
                    let row = ranges[slot]
                    guard key >= 0, Int(key) < row.count else { continue }
                    let range = row[Int(key)]
                    guard range.count > 0 else { continue }
                    h[lists] = lists_base + Int(range.start)
                    e[lists] = lists_base + Int(range.start + range.count)
                    lists += 1
                }
                var n = 0
                while true {
                    var best = -1
                    var bestValue = Int32.max
                    for i in 0..<lists where h[i]! < e[i]! && h[i]!.pointee < bestValue {
                        best = i
                        bestValue = h[i]!.pointee
                    }
                    if best < 0 { return n }
                    out[n] = bestValue
                    n += 1
                    h[best] = h[best]! + 1
                }
            }
        }
    }

    private var lists_base: UnsafePointer<Int32> { lists.baseAddress! }
}
