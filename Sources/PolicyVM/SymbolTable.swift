#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every string the policies mention, interned to a dense id at load time.
///
/// The request decoder looks each decoded string up here (a word-at-a-time
/// hash, open addressing), so comparing a request string with a constant is
/// an integer compare; a string that is not found cannot equal any constant.
struct SymbolTable: Sendable {
    /// The bytes of every symbol, back to back.
    private(set) var blob: [UInt8] = []
    private(set) var starts: [Int32] = []
    private(set) var lengths: [Int32] = []
    /// Open-addressing slots holding symbol ids (-1 = empty); a power of two.
    private var slots: [Int32] = Array(repeating: -1, count: 16)
    private var texts: [String: Int32] = [:]

    var count: Int { starts.count }

    /// The id of `text`, adding it if new.
    @discardableResult
    mutating func intern(_ text: String) -> Int32 {
        if let id = texts[text] { return id }
        let id = Int32(starts.count)
        texts[text] = id
        starts.append(Int32(blob.count))
        lengths.append(Int32(text.utf8.count))
        blob.append(contentsOf: text.utf8)
        if starts.count * 2 > slots.count { rehash(capacity: slots.count * 2) } else { insert(id) }
        return id
    }

    func id(of text: String) -> Int32? { texts[text] }

    func text(_ id: Int32) -> String {
        let start = Int(starts[Int(id)])
        return String(decoding: blob[start..<start + Int(lengths[Int(id)])], as: UTF8.self)
    }

    private mutating func rehash(capacity: Int) {
        slots = Array(repeating: -1, count: capacity)
        for id in 0..<Int32(starts.count) { insert(id) }
    }

    private mutating func insert(_ id: Int32) {
        let start = Int(starts[Int(id)])
        let hash = blob.withUnsafeBufferPointer {
            SymbolTable.hash(UnsafeBufferPointer(rebasing: $0[start..<start + Int(lengths[Int(id)])]))
        }
        var slot = Int(truncatingIfNeeded: hash) & (slots.count - 1)
        while slots[slot] >= 0 { slot = (slot + 1) & (slots.count - 1) }
        slots[slot] = id
    }

    /// A word-at-a-time multiplicative hash (eight bytes per step, then a
    /// final avalanche): the decoder hashes every request string, and a
    /// byte-at-a-time hash was a sixth of decoding. This form reads only the
    /// bytes given; it builds the table.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let base = bytes.baseAddress else { return hash(0) { _ in 0 } }
        return hash(bytes.count, base: base) { i in
            var w: UInt64 = 0
            for k in i..<bytes.count { w |= UInt64(base[k]) << UInt64(8 * (k - i)) }
            return w
        }
    }

    /// `hash` of bytes followed by at least eight readable bytes (the
    /// decoder's frame keeps that slack): the tail is one masked load.
    @inline(__always)
    static func hashPadded(_ base: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        hash(n, base: base) { i in UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) & tailMask(n - i) }
    }

    /// The one hash every form computes: whole words, then `tail(i)`, the
    /// last `n - i` bytes as a little-endian word. The length is mixed in last,
    /// so the decoder can hash a string while it scans for its end
    /// (`JSONCursor.hashedString`) with the same steps.
    @inline(__always)
    private static func hash(_ n: Int, base: UnsafePointer<UInt8>? = nil, tail: (Int) -> UInt64) -> UInt64 {
        var h = hashSeed
        var i = 0
        while i + 8 <= n {
            h = mixWord(h, UnsafeRawPointer(base! + i).loadUnaligned(as: UInt64.self))
            i += 8
        }
        if i < n { h = mixTail(h, tail(i)) }
        return finish(h, length: n)
    }

    static var hashSeed: UInt64 { 0x9E37_79B9_7F4A_7C15 }
    @inline(__always) static func mixWord(_ h: UInt64, _ word: UInt64) -> UInt64 {
        let m = (h ^ word) &* 0xBF58_476D_1CE4_E5B9
        return m ^ (m >> 29)
    }
    @inline(__always) static func mixTail(_ h: UInt64, _ tail: UInt64) -> UInt64 { (h ^ tail) &* 0xBF58_476D_1CE4_E5B9 }
    @inline(__always) static func finish(_ h: UInt64, length n: Int) -> UInt64 {
        var h = (h ^ UInt64(truncatingIfNeeded: n)) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 32
        h = h &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 29)
    }

    /// Keeps the low `count` (1…8) bytes of a word.
    @inline(__always)
    static func tailMask(_ count: Int) -> UInt64 { ~UInt64(0) >> UInt64(64 - 8 * count) }

    /// A frozen, pointer-based view for the decoder's hot path.
    func lookupTable() -> SymbolLookup { SymbolLookup(self.blob, starts, lengths, slots) }
}

/// The read-only lookup side of a `SymbolTable`, in unmanaged buffers owned by
/// the program (freed with it). A struct, not a class: worker threads copy it
/// and never touch a shared reference count on the hot path.
struct SymbolLookup: @unchecked Sendable {
    let blob: UnsafeMutableBufferPointer<UInt8>
    let starts: UnsafeMutableBufferPointer<Int32>
    let lengths: UnsafeMutableBufferPointer<Int32>
    let slots: UnsafeMutableBufferPointer<Int32>
    let mask: Int

    init(_ blob: [UInt8], _ starts: [Int32], _ lengths: [Int32], _ slots: [Int32]) {
        func copy<T>(_ items: [T]) -> UnsafeMutableBufferPointer<T> {
            let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, items.count))
            _ = buffer.initialize(from: items)
            return buffer
        }
        // Eight bytes of padding: `find` reads whole words past a symbol's end.
        self.blob = copy(blob + [UInt8](repeating: 0, count: 8))
        self.starts = copy(starts)
        self.lengths = copy(lengths)
        self.slots = copy(slots)
        mask = slots.count - 1
    }

    /// Called once, by the owning program's deinit.
    func deallocate() {
        blob.deallocate(); starts.deallocate(); lengths.deallocate(); slots.deallocate()
    }

    /// The symbol id of these bytes, or -1. The bytes must be followed by at
    /// least eight readable bytes (the decoder's frame keeps that slack; the
    /// blob is padded alike): they are hashed and compared a word at a time.
    @inline(__always)
    func find(_ base: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
        find(base, count, hash: SymbolTable.hashPadded(base, count))
    }

    /// `find` with the bytes' `SymbolTable` hash already computed.
    @inline(__always)
    func find(_ base: UnsafePointer<UInt8>, _ count: Int, hash: UInt64) -> Int32 {
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let id = slots[slot]
            if id < 0 { return -1 }
            if Int(lengths[Int(id)]) == count, Self.equalPadded(blob.baseAddress! + Int(starts[Int(id)]), base, count) {
                return id
            }
            slot = (slot + 1) & mask
        }
    }

    /// Byte equality of two padded runs, a word at a time.
    @inline(__always)
    private static func equalPadded(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var i = 0
        while i + 8 <= n {
            if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) {
                return false
            }
            i += 8
        }
        guard i < n else { return true }
        let difference = UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) ^ UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self)
        return difference & SymbolTable.tailMask(n - i) == 0
    }

    /// The bytes of a string cell: an interned symbol's, or the request's own in the frame.
    @inline(__always)
    func bytes(_ x: Cell, frame: UnsafePointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        x.a >= 0 ? bytes(x.a) : UnsafeBufferPointer(start: frame + Int(x.b), count: Int(x.c))
    }

    /// The bytes of symbol `id`.
    @inline(__always)
    func bytes(_ id: Int64) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: blob.baseAddress! + Int(starts[Int(id)]), count: Int(lengths[Int(id)]))
    }
}
