import PolicyLanguage

/// Which policies can apply to a request.
///
/// A policy's guards (`IndexGuard`) are necessary conditions the index tests
/// with one table lookup each: keyed signals have one row per signal, with an
/// entry per possible value (absent, a string no policy mentions, then every
/// symbol id or enum value); `location.ip` has a table of disjoint address
/// intervals. The tables come in two layouts:
///
/// - **bitsets** (sets of up to `bitsetPolicyLimit` policies): each entry is a
///   bitset of the policies that every one of their guards on that signal lets
///   through, so a request's candidates are the AND of one bitset per row,
///   with no loop whose length depends on the request. A candidate has passed
///   every guard, and the VM starts it after the targets they decided.
/// - **lists** (larger sets, where a bitset per key would cost memory
///   quadratic in the policies): each policy is filed under its most
///   selective guard only, each entry is a list of policies, and a request's
///   candidates are the union of one list per row plus the unguarded ones.
///
/// Either way the candidates come out of a bitset in policy order, and cost
/// follows the candidates (plus one word per 64 policies), not the set size.
/// Candidates still run their remaining targets and conditions: the index
/// only prunes.
final class PolicyIndex: @unchecked Sendable {
    static var slotCount: Int { IndexGuard.slots.count }
    /// Above this many policies the index uses lists (see above).
    static let bitsetPolicyLimit = 1024

    enum Layout: Sendable { case automatic, bitsets, lists }

    /// What a request reads, pinned (`Program.pin`): evaluators read it
    /// through this pointer, so no decision touches (retains) this object.
    let tables: UnsafeMutablePointer<IndexTables>
    /// Per policy: the guards it is indexed by (empty: it always runs; in the
    /// list layout, at most its best one), for disasm and indexed starts.
    let guards: [[IndexGuard]]

    /// Words of the candidate bitset an evaluator must provide.
    var bitsetWords: Int { tables.pointee.bitsetWords }
    var usesBitsets: Bool { tables.pointee.usesBitsets }

    convenience init() {
        self.init(tables: IndexTables(policyCount: 0), guards: [])
    }

    init(tables: IndexTables, guards: [[IndexGuard]]) {
        self.tables = Program.pin(tables)
        self.guards = guards
    }

    deinit {
        tables.pointee.deallocate()
        Program.unpin(tables)
    }
}

/// The index's tables as raw buffers, owned by the `PolicyIndex` that frees them.
struct IndexTables {
    let usesBitsets: Bool
    /// Words of the candidate bitset an evaluator must provide.
    let bitsetWords: Int
    /// Keyed rows a request looks at (only the signals some guard tests).
    let rows: UnsafeBufferPointer<IndexRow>
    /// Network intervals: start of each (high, low), ascending.
    let intervalHigh: UnsafeBufferPointer<UInt64>
    let intervalLow: UnsafeBufferPointer<UInt64>
    /// Per interval: a list (list layout) or a bitset offset in `start` (bitset layout).
    let intervalEntries: UnsafeBufferPointer<TableRange>
    /// The entry for an address below every interval.
    let belowIntervals: TableRange

    // List layout
    /// Policies every request must run, ascending.
    let always: UnsafeBufferPointer<Int32>
    let lists: UnsafeBufferPointer<Int32>

    // Bitset layout
    /// The enabled policies, where every request starts.
    let enabled: UnsafeBufferPointer<UInt64>
    /// Every distinct bitset, `bitsetWords` words each; entries hold word offsets.
    let pool: UnsafeBufferPointer<UInt64>

    init(policyCount: Int, usesBitsets: Bool = false, rows: [IndexRow] = [], intervals: [(UInt64, UInt64, TableRange)] = [],
         belowIntervals: TableRange = TableRange(start: 0, count: 0), always: [Int32] = [], lists: [Int32] = [],
         enabled: [UInt64] = [], pool: [UInt64] = []) {
        self.usesBitsets = usesBitsets
        bitsetWords = max(1, (policyCount + 63) / 64)
        self.rows = Program.freeze(rows)
        intervalHigh = Program.freeze(intervals.map(\.0))
        intervalLow = Program.freeze(intervals.map(\.1))
        intervalEntries = Program.freeze(intervals.map(\.2))
        self.belowIntervals = belowIntervals
        self.always = Program.freeze(always)
        self.lists = Program.freeze(lists)
        self.enabled = Program.freeze(enabled)
        self.pool = Program.freeze(pool)
    }

    func deallocate() {
        for row in rows { UnsafeBufferPointer(start: row.entries, count: row.last + 1).deallocate() }
        rows.deallocate()
        intervalHigh.deallocate(); intervalLow.deallocate(); intervalEntries.deallocate()
        always.deallocate(); lists.deallocate(); enabled.deallocate(); pool.deallocate()
    }

    /// Writes the candidates for a decoded request into `out`, ascending;
    /// returns how many. `bits` is scratch of `bitsetWords` words, zeroed,
    /// and is left zeroed.
    @inline(__always)
    func candidates(signals: UnsafePointer<Cell>, present: UInt32, bits: UnsafeMutablePointer<UInt64>,
                    into out: UnsafeMutablePointer<Int32>) -> Int {
        // Wrapping arithmetic throughout: every index and count here was
        // bounded when the tables were built.
        @inline(__always) func entry(_ row: IndexRow) -> TableRange {
            if present & row.presenceBit == 0 { return row.entries[0] }
            let key = Int(truncatingIfNeeded: signals[row.signal].a)
            return row.entries[key < 0 ? 1 : min(key &+ 2, row.last)]
        }
        @inline(__always) func networkEntry() -> TableRange? {
            guard intervalHigh.count > 0 else { return nil }
            let ip = signals[Int(Signal.locationIP.rawValue)]
            let i = interval(high: UInt64(bitPattern: ip.a), low: UInt64(bitPattern: ip.b))
            return i < 0 ? belowIntervals : intervalEntries[i]
        }
        let words = bitsetWords
        if usesBitsets {
            let pool = self.pool.baseAddress!
            @inline(__always) func and(_ range: TableRange) {
                let set = pool + Int(range.start)
                for w in 0..<words { bits[w] &= set[w] }
            }
            for w in 0..<words { bits[w] = enabled[w] }
            for row in rows { and(entry(row)) }
            if let network = networkEntry() { and(network) }
        } else {
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
            for row in rows { mark(entry(row)) }
            if let network = networkEntry() { mark(network) }
        }
        var n = 0
        for word in 0..<words {
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

    /// The interval holding an address (-1: below them all): a search for the
    /// last start ≤ it, without branches on the comparisons (addresses are
    /// random, so each branch would be a coin toss for the predictor).
    @inline(__always)
    private func interval(high: UInt64, low: UInt64) -> Int {
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
        return startsAtOrBelow(base) ? base : -1
    }
}

/// One keyed signal's row of the index, for the per-request loop.
struct IndexRow {
    /// `Signal.rawValue` of the keyed signal, and its bit in a frame's `present`.
    let signal: Int
    let presenceBit: UInt32
    /// `last + 1` entries: absent, a string no policy mentions, then each
    /// value; a list (list layout) or a bitset offset in `start` (bitset layout).
    let entries: UnsafePointer<TableRange>
    let last: Int

    init(signal: Signal, entries: [TableRange]) {
        self.signal = Int(signal.rawValue)
        presenceBit = 1 << UInt32(signal.rawValue)
        self.entries = Program.freeze(entries).baseAddress!
        last = entries.count - 1
    }
}
