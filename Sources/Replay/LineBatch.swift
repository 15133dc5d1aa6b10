/// Raw storage for one batch of log text, reused through a fixed pool so a
/// replay's memory does not grow with the length of the log.
final class BatchBuffer: @unchecked Sendable {
    // Owned by exactly one thread at a time (reader → worker → merger → pool),
    // handed over through queues, which order the accesses.
    private(set) var bytes: UnsafeMutableRawBufferPointer
    /// Valid bytes at the start of `bytes`.
    var count = 0
    let defaultCapacity: Int

    init(capacity: Int) {
        defaultCapacity = capacity
        bytes = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { bytes.deallocate() }

    var capacity: Int { bytes.count }

    /// Doubles the capacity (for a line longer than the buffer), keeping the contents.
    func grow(to newCapacity: Int) {
        let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: newCapacity, alignment: 16)
        larger.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: count)
        bytes.deallocate()
        bytes = larger
    }

    /// Returns a grown buffer to its usual size before it goes back to the pool.
    func shrinkIfGrown() {
        guard bytes.count > defaultCapacity else { return }
        bytes.deallocate()
        bytes = .allocate(byteCount: defaultCapacity, alignment: 16)
        count = 0
    }
}

/// A run of whole lines from one log, in log order.
struct LineBatch: @unchecked Sendable {
    /// Position in the whole replay (all logs): results merge in this order.
    var index: Int
    /// Which log (position in the command line).
    var source: Int
    var buffer: BatchBuffer
    /// True when this batch stands for one line too long to hold: counted as unreadable.
    var oversizedLine = false
    /// Bytes of the log file consumed when this batch was cut (for progress).
    var consumed: Int64 = 0
}
