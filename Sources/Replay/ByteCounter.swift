import Foundation

/// Counts occurrences of short byte strings (a `report_only` array, say)
/// without allocating on a repeat: keys live in one arena, looked up by an
/// FNV-1a hash in an open-addressing table. Distinct keys beyond `limit` are
/// counted in `overflow` so a hostile log cannot grow it without bound.
struct ByteCounter {
    private var arena: [UInt8] = []
    /// (hash, arena offset, length, count); offset -1 marks an empty slot.
    private var slots: [(hash: UInt64, offset: Int, length: Int, count: Int)]
    private(set) var distinct = 0
    private(set) var overflow = 0
    let limit: Int

    init(limit: Int = 4096) {
        self.limit = limit
        slots = Array(repeating: (0, -1, 0, 0), count: 64)
    }

    mutating func add(_ bytes: UnsafeRawBufferPointer, count: Int = 1) {
        let hash = Self.hash(bytes)
        var slot = Int(truncatingIfNeeded: hash) & (slots.count - 1)
        while slots[slot].offset >= 0 {
            let entry = slots[slot]
            if entry.hash == hash, entry.length == bytes.count,
               arena.withUnsafeBytes({ memcmp($0.baseAddress! + entry.offset, bytes.baseAddress!, bytes.count) == 0 }) {
                slots[slot].count += count
                return
            }
            slot = (slot + 1) & (slots.count - 1)
        }
        guard distinct < limit else { overflow += count; return }
        slots[slot] = (hash, arena.count, bytes.count, count)
        arena.append(contentsOf: bytes)
        distinct += 1
        if distinct * 2 > slots.count { rehash() }
    }

    /// Every key with its count, in no particular order.
    func entries() -> [([UInt8], Int)] {
        slots.filter { $0.offset >= 0 }.map { (Array(arena[$0.offset..<($0.offset + $0.length)]), $0.count) }
    }

    mutating func merge(_ other: ByteCounter) {
        for (key, count) in other.entries() {
            key.withUnsafeBytes { add($0, count: count) }
        }
        overflow += other.overflow
    }

    private mutating func rehash() {
        let old = slots
        slots = Array(repeating: (0, -1, 0, 0), count: old.count * 2)
        for entry in old where entry.offset >= 0 {
            var slot = Int(truncatingIfNeeded: entry.hash) & (slots.count - 1)
            while slots[slot].offset >= 0 { slot = (slot + 1) & (slots.count - 1) }
            slots[slot] = entry
        }
    }

    private static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h = (h ^ UInt64(b)) &* 0x100_0000_01b3
        }
        return h
    }
}
