import PolicyLanguage

/// Which policies can apply to a request.
///
/// Each policy is filed under at most one `IndexGuard` (its most selective
/// necessary condition); a policy without one runs for every request. Per
/// keyed signal there is one row with an entry per possible value (absent,
/// a string no policy mentions, then every symbol id or enum value), each a
/// range into `lists` of the policies whose guard lets that value through;
/// `location.ip` has a table of disjoint address intervals. A request's
/// candidates are the union of one list per table plus the unguarded ones,
/// gathered in a bitset so they come out in policy order. Cost follows the
/// candidates (plus one word per 64 policies), not the set size. Candidates
/// still run all their targets and conditions: the index only prunes.
final class PolicyIndex: @unchecked Sendable {
    static var slotCount: Int { IndexGuard.slots.count }

    /// Per slot: `rows[slot]` has `domain + 2` entries (absent, unknown, values);
    /// empty when no policy is filed under the slot.
    let rows: [UnsafeBufferPointer<TableRange>]
    /// What a request reads, pinned (`Program.pin`): evaluators read it
    /// through this pointer, so no decision touches (retains) this object.
    let tables: UnsafeMutablePointer<IndexTables>
    /// Per policy: its guard, for disasm (nil = always or disabled).
    let guards: [IndexGuard?]

    /// Policies every request must run, ascending.
    var always: UnsafeBufferPointer<Int32> { tables.pointee.always }
    /// Words of the candidate bitset an evaluator must provide.
    var bitsetWords: Int { tables.pointee.bitsetWords }

    convenience init() {
        self.init(policyCount: 0, always: [], rows: Array(repeating: [], count: IndexGuard.slots.count),
                  intervals: [], lists: [], guards: [])
    }

    init(policyCount: Int, always: [Int32], rows: [[TableRange]], intervals: [(UInt64, UInt64, TableRange)],
         lists: [Int32], guards: [IndexGuard?]) {
        self.rows = rows.map { Program.freeze($0) }
        let active = zip(self.rows, IndexGuard.slots).compactMap { row, slot in
            row.isEmpty ? nil : ActiveRow(signal: Int(slot.signal.rawValue), entries: row.baseAddress!,
                                          last: row.count - 1)
        }
        tables = Program.pin(IndexTables(always: Program.freeze(always), activeRows: Program.freeze(active),
                                         intervalHigh: Program.freeze(intervals.map(\.0)),
                                         intervalLow: Program.freeze(intervals.map(\.1)),
                                         intervalLists: Program.freeze(intervals.map(\.2)),
                                         lists: Program.freeze(lists), bitsetWords: max(1, (policyCount + 63) / 64)))
        self.guards = guards
    }

    deinit {
        tables.pointee.deallocate()
        Program.unpin(tables)
        for r in rows { r.deallocate() }
    }
}

/// The index's tables as raw buffers, owned by the `PolicyIndex` that frees them.
struct IndexTables {
    let always: UnsafeBufferPointer<Int32>
    /// The slots some policy is filed under, each with its signal and row:
    /// a request looks at these only.
    let activeRows: UnsafeBufferPointer<ActiveRow>
    /// Network intervals: start of each (high, low), ascending, and its policies.
    let intervalHigh: UnsafeBufferPointer<UInt64>
    let intervalLow: UnsafeBufferPointer<UInt64>
    let intervalLists: UnsafeBufferPointer<TableRange>
    let lists: UnsafeBufferPointer<Int32>
    /// Words of the candidate bitset an evaluator must provide.
    let bitsetWords: Int

    func deallocate() {
        always.deallocate(); lists.deallocate(); activeRows.deallocate()
        intervalHigh.deallocate(); intervalLow.deallocate(); intervalLists.deallocate()
    }

    /// Writes the candidates for a decoded request into `out`, ascending;
    /// returns how many. `bits` is zeroed scratch of `bitsetWords` words, and
    /// is left zeroed.
    @inline(__always)
    func candidates(signals: UnsafePointer<Cell>, present: UInt32, bits: UnsafeMutablePointer<UInt64>,
                    into out: UnsafeMutablePointer<Int32>) -> Int {
        // Wrapping arithmetic throughout: every index and count here was
        // bounded when the tables were built.
        let listBase = lists.baseAddress!
        @inline(__always) func mark(_ range: TableRange) {
            var i = Int(range.start)
            let end = i &+ Int(range.count)
            while i < end {
                let policy = Int(listBase[i])
                bits[policy >> 6] |= 1 << UInt64(policy & 63)
                i &+= 1
            }
        }
        for i in 0..<always.count {
            let policy = Int(always[i])
            bits[policy >> 6] |= 1 << UInt64(policy & 63)
        }
        for row in activeRows {
            let entry: Int
            if present & (1 << UInt32(row.signal)) == 0 {
                entry = 0
            } else {
                let key = Int(truncatingIfNeeded: signals[row.signal].a)
                entry = key < 0 ? 1 : min(key &+ 2, row.last)
            }
            mark(row.entries[entry])
        }
        if intervalHigh.count > 0 {
            let ip = signals[Int(Signal.locationIP.rawValue)]
            mark(interval(high: UInt64(bitPattern: ip.a), low: UInt64(bitPattern: ip.b)))
        }
        var n = 0
        for word in 0..<bitsetWords {
            var w = bits[word]
            guard w != 0 else { continue }
            bits[word] = 0
            while w != 0 {
                out[n] = Int32(truncatingIfNeeded: word << 6 | w.trailingZeroBitCount)
                n &+= 1
                w &= w &- 1
            }
        }
        return n
    }

    /// The policies of the interval holding an address: a search for the
    /// last start ≤ it, without branches on the comparisons (addresses are
    /// random, so each branch would be a coin toss for the predictor).
    @inline(__always)
    private func interval(high: UInt64, low: UInt64) -> TableRange {
        @inline(__always) func startsAtOrBelow(_ i: Int) -> Bool {
            let h = intervalHigh[i], l = intervalLow[i]
            return (h < high) || (h == high) && (l <= low)
        }
        var base = 0
        var n = intervalHigh.count
        while n > 1 {
            let half = n >> 1
            base = startsAtOrBelow(base &+ half) ? base &+ half : base
            n &-= half
        }
        return startsAtOrBelow(base) ? intervalLists[base] : TableRange(start: 0, count: 0)
    }
}

/// One keyed signal's row of the index, for the per-request loop.
struct ActiveRow {
    /// `Signal.rawValue` of the keyed signal.
    let signal: Int
    /// `last + 1` entries: absent, a string no policy mentions, then each value.
    let entries: UnsafePointer<TableRange>
    let last: Int
}
