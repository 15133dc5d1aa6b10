import Foundation
import Logging

/// The decision log: every decision, appended as JSONL by a dedicated thread.
///
/// Connections hand over the log lines of a whole batch; the writer thread
/// gathers them into one `write(2)` per flush, off the request path. The queue is
/// bounded (``DecisionLogOptions/queueLimitBytes``) and nothing is ever
/// dropped: when it is full, ``tryAppend(_:lines:)`` refuses and the
/// connection waits for ``append(_:lines:whenAdmitted:)`` (or ``append(_:)``
/// suspends) until the writer has made room, so the connection's answers wait
/// too — backpressure reaches the clients instead of decisions going unrecorded. A write error is reported
/// and retried; the queue then fills and requests wait until the disk recovers.
public final class DecisionLog: @unchecked Sendable {
    /// Whole lines from one producer, and how many (so the writer never scans them).
    private struct Chunk {
        var bytes: [UInt8]
        var lines: Int
    }

    private struct Waiter {
        var chunk: Chunk
        /// Called on the writer thread once the chunk is queued; must not block.
        var admitted: @Sendable () -> Void
    }

    // All mutable state is guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [Chunk] = []
    private var queuedBytes = 0
    private var waiters: [Waiter] = []
    private var firstQueuedAt: Date?
    /// The writer is parked until the flush deadline; only a half-full queue or
    /// closing should wake it early (signalling per chunk costs a futex call each).
    private var writerWaitingForData = false
    private var closing = false
    private var linesWritten: UInt64 = 0
    private var lastError: String?

    private let options: DecisionLogOptions
    private var file: DecisionLogFile
    /// The writer's batch, copied into one buffer (writer thread only). It
    /// keeps the capacity of the largest batch: the queue limit, or one
    /// larger chunk.
    private var staging: [UInt8] = []
    private let logger: Logger
    private let finished = DispatchSemaphore(value: 0)

    public init(options: DecisionLogOptions, logger: Logger) throws(DecisionLogError) {
        self.options = options
        self.file = try DecisionLogFile(options: options)
        self.logger = logger
        let thread = Thread { [self] in self.run() }
        thread.name = "agate-decision-log"
        thread.start()
    }

    /// Queues `chunk` (whole lines); suspends while the queue is full.
    public func append(_ chunk: [UInt8]) async {
        guard !chunk.isEmpty else { return }
        let lines = chunk.count(where: { $0 == UInt8(ascii: "\n") })
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            self.append(chunk, lines: lines) { continuation.resume() }
        }
    }

    /// Queues `chunk` (`lines` whole lines) if it fits now, without waiting.
    /// False when the queue is full: use ``append(_:lines:whenAdmitted:)``.
    public func tryAppend(_ chunk: [UInt8], lines: Int) -> Bool {
        guard !chunk.isEmpty else { return true }
        self.condition.lock()
        defer { self.condition.unlock() }
        guard self.waiters.isEmpty, self.fits(chunk.count) else { return false }
        self.enqueue(Chunk(bytes: chunk, lines: lines))
        return true
    }

    /// Queues `chunk`, calling `admitted` once it is in the queue: at once when
    /// it fits, else on the writer thread when room has been made (in arrival order).
    public func append(_ chunk: [UInt8], lines: Int, whenAdmitted admitted: @escaping @Sendable () -> Void) {
        self.condition.lock()
        if self.waiters.isEmpty && self.fits(chunk.count) {
            self.enqueue(Chunk(bytes: chunk, lines: lines))
            self.condition.unlock()
            admitted()
        } else {
            self.waiters.append(Waiter(chunk: Chunk(bytes: chunk, lines: lines), admitted: admitted))
            self.condition.signal()
            self.condition.unlock()
        }
    }

    /// Writes everything queued, then stops the writer thread. Blocks until done.
    public func close() {
        self.condition.lock()
        self.closing = true
        self.condition.broadcast()
        self.condition.unlock()
        self.finished.wait()
    }

    /// Lines written so far and the last write error, for `health` and `stats`.
    public var status: (linesWritten: UInt64, lastError: String?) {
        self.condition.lock()
        defer { self.condition.unlock() }
        return (self.linesWritten, self.lastError)
    }

    /// A chunk fits when the queue has room, or is empty (a chunk larger than
    /// the limit must still pass, alone).
    private func fits(_ count: Int) -> Bool {
        self.queuedBytes == 0 || self.queuedBytes + count <= self.options.queueLimitBytes
    }

    private func enqueue(_ chunk: Chunk) {
        if self.queue.isEmpty { self.firstQueuedAt = Date() }
        let wasBelowHalf = self.queuedBytes < self.options.queueLimitBytes / 2
        self.queue.append(chunk)
        self.queuedBytes += chunk.bytes.count
        let reachedHalf = wasBelowHalf && self.queuedBytes >= self.options.queueLimitBytes / 2
        if self.writerWaitingForData || reachedHalf { self.condition.signal() }
    }

    private func run() {
        while let chunks = self.nextBatch() {
            self.writeDurably(chunks)
        }
        self.file.closeFile()
        self.finished.signal()
    }

    /// Waits for data (and for the flush interval to pass, unless the queue is
    /// half full or the log is closing), then takes the whole queue.
    private func nextBatch() -> [Chunk]? {
        self.condition.lock()
        defer { self.condition.unlock() }
        while self.queue.isEmpty && self.waiters.isEmpty && !self.closing {
            self.writerWaitingForData = true
            self.condition.wait()
        }
        self.writerWaitingForData = false
        if self.queue.isEmpty && self.waiters.isEmpty { return nil }
        if let first = self.firstQueuedAt, self.options.flushInterval > 0 {
            let deadline = first.addingTimeInterval(self.options.flushInterval)
            while !self.closing, self.waiters.isEmpty, self.queuedBytes < self.options.queueLimitBytes / 2, Date() < deadline {
                _ = self.condition.wait(until: deadline)
            }
        }
        let chunks = self.queue
        self.queue = []
        self.queuedBytes = 0
        self.firstQueuedAt = nil
        self.admitWaiters()
        return chunks
    }

    /// Moves waiting producers' chunks into the (now empty) queue, in order.
    private func admitWaiters() {
        var admitted = 0
        while admitted < self.waiters.count, self.fits(self.waiters[admitted].chunk.bytes.count) {
            self.enqueue(self.waiters[admitted].chunk)
            self.waiters[admitted].admitted()
            admitted += 1
        }
        self.waiters.removeFirst(admitted)
    }

    private func writeDurably(_ chunks: [Chunk]) {
        // One `write` per batch: a queue holds a chunk per connection batch,
        // and a `write` for each cost the writer a system call per batch.
        var lines: UInt64 = 0
        self.staging.removeAll(keepingCapacity: true)
        for chunk in chunks {
            lines += UInt64(chunk.lines)
            self.staging.append(contentsOf: chunk.bytes)
        }
        var offset = 0
        self.retrying { try self.staging.withUnsafeBytes { bytes in try self.file.append(bytes, from: &offset) } }
        if self.options.sync { self.retrying { try self.file.sync() } }
        if self.file.needsRotation { self.retrying { try self.file.rotate() } }
        self.condition.lock()
        self.linesWritten += lines
        self.condition.unlock()
    }

    /// Runs `operation` until it succeeds: a decision is never dropped.
    private func retrying(_ operation: () throws -> Void) {
        var delay = 0.01
        while true {
            do {
                try operation()
                return
            } catch {
                let description = "\(error)"
                self.logger.error("decision log write failed, retrying", metadata: ["error": "\(description)"])
                self.condition.lock()
                self.lastError = description
                self.condition.unlock()
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 1)
            }
        }
    }
}
