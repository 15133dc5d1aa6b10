#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CPCRE2
import PolicyLanguage

/// One `like` pattern in the VM's flat form. Most patterns are a literal with
/// a star at one or both ends (`*@contoso.com`, `readonly-*`), so those shapes
/// get a memcmp instead of the general wildcard walk.
struct GlobEntry {
    enum Shape: UInt8 { case general, exact, prefix, suffix, contains }
    var shape: Shape
    /// `general`: the tokens in `HotTables.globTokens`; otherwise the literal
    /// (stars removed, `\*` unescaped) in `HotTables.globBytes`.
    var start: Int32
    var count: Int32

    /// The fast shape of a token list, with its literal bytes, if it has one.
    static func shape(of tokens: [UInt16]) -> (Shape, [UInt8])? {
        let leading = tokens.first == Glob.star
        let trailing = tokens.count > 1 && tokens.last == Glob.star
        let inner = tokens[(leading ? 1 : 0)..<(tokens.count - (trailing ? 1 : 0))]
        guard !inner.contains(Glob.star) else { return nil }
        let literal = inner.map { UInt8(truncatingIfNeeded: $0) }
        switch (leading, trailing) {
        case (false, false): return (.exact, literal)
        case (false, true): return (.prefix, literal)
        case (true, false): return (.suffix, literal)
        case (true, true): return (.contains, literal)
        }
    }
}

/// One schedule in the VM's flat form: the weekly window and the zone's
/// offset changes as ranges into `HotTables.transitions` / `offsets`.
struct ScheduleEntry {
    var weekdays: UInt8
    var start: Int64
    var end: Int64
    var transitionStart: Int32
    var transitionCount: Int32
    /// Index of the offset before the first transition (there is one more offset than transitions).
    var offsetStart: Int32
}

/// The program's pattern, schedule and regex tables copied into unmanaged
/// buffers, so the VM's loop reads them without ARC or bounds checks (arrays
/// of structs holding arrays cost a retain and release per read).
struct HotTables {
    let globs: UnsafeBufferPointer<GlobEntry>
    let globTokens: UnsafeBufferPointer<UInt16>
    let globBytes: UnsafeBufferPointer<UInt8>
    let schedules: UnsafeBufferPointer<ScheduleEntry>
    let transitions: UnsafeBufferPointer<Int64>
    let offsets: UnsafeBufferPointer<Int32>
    let regexCodes: UnsafeBufferPointer<OpaquePointer>
    let regexContext: OpaquePointer?
    /// Per regex and per glob, one bit per symbol id: the answer for every
    /// string the policies mention, computed at load (the C bound in the
    /// workload does the same), so only strings no policy mentions reach
    /// PCRE2 or the wildcard walk. Empty when the table would be too big; a
    /// regex whose precomputation hit a PCRE2 limit keeps matching live.
    let symbolWords: Int
    let regexBits: UnsafeBufferPointer<UInt64>
    let regexCached: UnsafeBufferPointer<Bool>
    let globBits: UnsafeBufferPointer<UInt64>
    /// Above this many bits per table, answers are computed per request instead.
    static let maxPrecomputedBits = 64 << 20
    /// The symbols' bytes, for `like` and `matches` on interned strings.
    let symbols: SymbolLookup

    init(globs: [Glob], schedules: [CompiledSchedule], regexes: RegexTable, symbols: SymbolLookup, symbolCount: Int) {
        var entries: [GlobEntry] = [], tokens: [UInt16] = [], bytes: [UInt8] = []
        for glob in globs {
            if let (shape, literal) = GlobEntry.shape(of: glob.tokens) {
                entries.append(GlobEntry(shape: shape, start: Int32(bytes.count), count: Int32(literal.count)))
                bytes += literal
            } else {
                entries.append(GlobEntry(shape: .general, start: Int32(tokens.count), count: Int32(glob.tokens.count)))
                tokens += glob.tokens
            }
        }
        var scheduleEntries: [ScheduleEntry] = [], transitions: [Int64] = [], offsets: [Int32] = []
        for compiled in schedules {
            let s = compiled.schedule
            scheduleEntries.append(ScheduleEntry(
                weekdays: s.weekdays, start: Int64(s.start), end: Int64(s.end),
                transitionStart: Int32(transitions.count), transitionCount: Int32(compiled.transitions.count),
                offsetStart: Int32(offsets.count)))
            transitions += compiled.transitions
            offsets += compiled.offsets
        }
        self.globs = Program.freeze(entries)
        globTokens = Program.freeze(tokens)
        globBytes = Program.freeze(bytes)
        self.schedules = Program.freeze(scheduleEntries)
        self.transitions = Program.freeze(transitions)
        self.offsets = Program.freeze(offsets)
        regexCodes = Program.freeze(regexes.codes)
        regexContext = regexes.context
        self.symbols = symbols
        let words = (symbolCount + 63) / 64
        symbolWords = words
        var regexBits: [UInt64] = [], regexCached: [Bool] = []
        if regexes.codes.count * words * 64 <= HotTables.maxPrecomputedBits {
            let scratch = RegexScratch()
            regexBits = Array(repeating: 0, count: regexes.codes.count * words)
            for r in regexes.codes.indices {
                var cached = true
                for id in 0..<symbolCount {
                    switch regexes.match(r, symbols.bytes(Int64(id)), data: scratch.data) {
                    case .matched: regexBits[r * words + id >> 6] |= 1 << UInt64(id & 63)
                    case .notMatched: break
                    case .limit: cached = false
                    }
                }
                regexCached.append(cached)
            }
        }
        var globBits: [UInt64] = []
        if globs.count * words * 64 <= HotTables.maxPrecomputedBits {
            globBits = Array(repeating: 0, count: globs.count * words)
            for (g, glob) in globs.enumerated() {
                for id in 0..<symbolCount where glob.matches(symbols.bytes(Int64(id))) {
                    globBits[g * words + id >> 6] |= 1 << UInt64(id & 63)
                }
            }
        }
        self.regexBits = Program.freeze(regexBits)
        self.regexCached = Program.freeze(regexCached)
        self.globBits = Program.freeze(globBits)
    }

    func deallocate() {
        globs.deallocate(); globTokens.deallocate(); globBytes.deallocate()
        schedules.deallocate(); transitions.deallocate(); offsets.deallocate(); regexCodes.deallocate()
        regexBits.deallocate(); regexCached.deallocate(); globBits.deallocate()
    }


    // MARK: The operations the VM runs on them

    /// `pcre2_match` of regex `index` anywhere in `subject` (valid UTF-8, checked by the decoder).
    @inline(__always)
    func match(_ index: Int, _ subject: UnsafeBufferPointer<UInt8>, data: OpaquePointer) -> RegexResult {
        // An empty buffer may have a nil base; PCRE2 accepts any pointer for length 0.
        let base = subject.baseAddress ?? UnsafePointer(symbols.blob.baseAddress!)
        let rc = pcre2_match_8(regexCodes[index], base, subject.count, 0, UInt32(PCRE2_NO_UTF_CHECK), data, regexContext)
        if rc >= 0 { return .matched }
        if rc == PCRE2_ERROR_NOMATCH { return .notMatched }
        return .limit
    }

    /// `like` on a string cell: the precomputed bit for an interned string.
    @inline(__always)
    func like(_ index: Int, _ x: Cell, frame: UnsafePointer<UInt8>) -> Bool {
        if x.a >= 0, globBits.count > 0 {
            return globBits[index * symbolWords + Int(x.a) >> 6] & (1 << UInt64(x.a & 63)) != 0
        }
        return like(index, symbols.bytes(x, frame: frame))
    }

    /// `matches` on a string cell: the precomputed bit for an interned string.
    @inline(__always)
    func match(_ index: Int, _ x: Cell, frame: UnsafePointer<UInt8>, data: OpaquePointer) -> RegexResult {
        if x.a >= 0, regexBits.count > 0, regexCached[index] {
            return regexBits[index * symbolWords + Int(x.a) >> 6] & (1 << UInt64(x.a & 63)) != 0 ? .matched : .notMatched
        }
        return match(index, symbols.bytes(x, frame: frame), data: data)
    }

    @inline(__always)
    func like(_ index: Int, _ text: UnsafeBufferPointer<UInt8>) -> Bool {
        let glob = globs[index]
        let count = Int(glob.count)
        if glob.shape == .general {
            return Glob.matches(UnsafeBufferPointer(start: globTokens.baseAddress! + Int(glob.start), count: count), text)
        }
        let literal = globBytes.baseAddress! + Int(glob.start)
        guard text.count >= count else { return false }
        if count == 0 { return glob.shape != .exact || text.count == 0 }
        let base = text.baseAddress!
        switch glob.shape {
        case .exact: return text.count == count && memcmp(base, literal, count) == 0
        case .prefix: return memcmp(base, literal, count) == 0
        case .suffix: return memcmp(base + (text.count - count), literal, count) == 0
        default:
            var i = 0
            while i + count <= text.count {
                if base[i] == literal[0], memcmp(base + i, literal, count) == 0 { return true }
                i += 1
            }
            return false
        }
    }

    @inline(__always)
    func schedule(_ index: Int, contains instant: Int64) -> Bool {
        let s = schedules[index]
        var offset = Int64(offsets[Int(s.offsetStart)])
        if s.transitionCount > 0 {
            var low = Int(s.transitionStart), high = low + Int(s.transitionCount)
            let first = low
            while low < high {
                let mid = (low + high) >> 1
                if transitions[mid] <= instant { low = mid + 1 } else { high = mid }
            }
            offset = Int64(offsets[Int(s.offsetStart) + (low - first)])
        }
        let (weekday, second) = CivilTime.weekdayAndSecond(instant + offset)
        return s.weekdays & (1 << UInt8(weekday)) != 0 && s.start <= second && second < s.end
    }
}
