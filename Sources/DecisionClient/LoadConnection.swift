#if canImport(Glibc)
import Glibc
#endif

/// One benchmark connection: a non-blocking Unix socket driven by
/// ``LoadGenerator``'s single thread.
///
/// The load generator shares the machine with the server it measures, so it
/// must cost little: requests are precomputed bytes written straight from one
/// buffer, and answers are only split at newlines and checked at their start
/// (`{"id":N,"decision":`: the right request, in order, a decision) — never
/// decoded.
struct LoadConnection {
    /// Every request line of the cycle, twice over, so any window of up to
    /// `cycleLines` consecutive lines is one contiguous byte range.
    private let stream: [UInt8]
    /// Where line `i` starts in `stream` (`2 × cycleLines + 1` entries).
    private let lineStarts: [Int]
    /// The `id` of line `i` of the cycle, as the answer must echo it.
    private let ids: [[UInt8]]
    private let cycleLines: Int

    let descriptor: CInt
    let total: Int
    private let depth: Int
    private let interval: UInt64?
    private var nextSendAt: UInt64 = 0

    /// Lines queued for writing: `[firstUnsent, queuedEnd)` in `stream`
    /// bytes; `queuedLine` is the cycle position of the next line to queue.
    private var writeOffset: Int
    private var queuedEnd: Int
    private var queuedLine: Int
    private(set) var sent = 0
    private(set) var answered = 0
    private(set) var errors = 0
    private(set) var failed = false
    private var sentAt: [UInt64]
    private(set) var latencies: [UInt64] = []
    /// Under `--rate`: how late the generator itself queued each request,
    /// once it was due and the window had room (its own share of the latency,
    /// when its thread ran late).
    private(set) var sendLags: [UInt64] = []
    /// The first bytes of the answer being read (it may span reads).
    private var prefix: [UInt8] = []
    private static let prefixLength = 48

    init(descriptor: CInt, lines: [[UInt8]], ids: [[UInt8]], offset: Int, total: Int, depth: Int, rate: Double?) {
        // The window can hold `depth` lines: repeat the cycle until it is at least that long.
        var cycle: [[UInt8]] = []
        var cycleIDs: [[UInt8]] = []
        repeat {
            for index in lines.indices {
                let rotated = (index + offset) % lines.count
                cycle.append(lines[rotated])
                cycleIDs.append(ids[rotated])
            }
        } while cycle.count < depth
        var stream: [UInt8] = []
        var starts: [Int] = []
        for line in cycle + cycle {
            starts.append(stream.count)
            stream.append(contentsOf: line)
        }
        starts.append(stream.count)
        self.stream = stream
        self.lineStarts = starts
        self.ids = cycleIDs
        self.cycleLines = cycle.count
        self.descriptor = descriptor
        self.total = total
        self.depth = max(depth, 1)
        self.interval = rate.map { UInt64(1e9 / max($0, 1e-3)) }
        self.writeOffset = 0
        self.queuedEnd = 0
        self.queuedLine = 0
        self.sentAt = Array(repeating: 0, count: total)
        self.latencies.reserveCapacity(total)
        if rate != nil { self.sendLags.reserveCapacity(total) }
        self.prefix.reserveCapacity(Self.prefixLength)
    }

    var done: Bool { self.answered == self.total || self.failed }
    var wantsWrite: Bool { self.writeOffset < self.queuedEnd }

    /// Under `--rate`, connection `index` of `count` sends its first request
    /// `index / count` of an interval late, so the connections' requests
    /// interleave evenly instead of arriving together in bursts.
    mutating func start(now: UInt64, index: Int, count: Int) {
        self.nextSendAt = now + (self.interval ?? 0) * UInt64(index) / UInt64(max(count, 1))
    }

    /// Queues what the window (and the rate) allows, then writes what the socket takes.
    mutating func send(now: UInt64) {
        while self.sent < self.total, self.sent - self.answered < self.depth {
            // Under --rate, latency counts from when the request was due, not
            // from when it went out: a late send is the server's delay too
            // (no coordinated omission, as in wrk2).
            var due = now
            if let interval = self.interval {
                guard self.nextSendAt <= now else { break }
                due = self.nextSendAt
                self.nextSendAt += interval
                // The generator's own lateness runs from when the request was
                // due *and* the window had room: waiting for the answer that
                // made room is the server's time (and counts in latency).
                var ready = due
                if self.sent >= self.depth {
                    let freeing = self.sent - self.depth
                    ready = max(due, self.sentAt[freeing] &+ self.latencies[freeing])
                }
                self.sendLags.append(now &- min(ready, now))
            }
            self.sentAt[self.sent] = due
            self.sent += 1
            self.queuedLine += 1
            self.queuedEnd = self.lineStarts[self.queuedLine]
        }
        self.flush()
    }

    /// When the next request is due under `--rate` (nil: when an answer comes).
    var nextDue: UInt64? {
        guard self.interval != nil, self.sent < self.total, self.sent - self.answered < self.depth else { return nil }
        return self.nextSendAt
    }

    mutating func flush() {
        while self.writeOffset < self.queuedEnd {
            let written = self.stream.withUnsafeBytes { bytes in
                write(self.descriptor, bytes.baseAddress! + self.writeOffset, self.queuedEnd - self.writeOffset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                if errno != EAGAIN && errno != EWOULDBLOCK { self.fail() }
                break
            }
            self.writeOffset += written
        }
        // Back to the first copy of the cycle once the window is past it.
        let half = self.lineStarts[self.cycleLines]
        if self.writeOffset >= half && self.queuedLine >= self.cycleLines {
            self.writeOffset -= half
            self.queuedEnd -= half
            self.queuedLine -= self.cycleLines
        }
    }

    /// Reads what has arrived and checks every complete answer.
    mutating func receive(into buffer: UnsafeMutableRawBufferPointer, now: UInt64) {
        while true {
            let count = read(self.descriptor, buffer.baseAddress!, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                if errno != EAGAIN && errno != EWOULDBLOCK { self.fail() }
                return
            }
            if count == 0 { return self.fail() }
            self.scan(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), now: now)
            if count < buffer.count { return }
        }
    }

    private mutating func scan(_ bytes: UnsafeRawBufferPointer, now: UInt64) {
        var start = 0
        while start < bytes.count {
            let rest = bytes.count - start
            let found = memchr(bytes.baseAddress! + start, Int32(UInt8(ascii: "\n")), rest)
            let end = found.map { UnsafeRawPointer($0) - bytes.baseAddress! } ?? bytes.count
            if self.prefix.count < Self.prefixLength {
                let take = min(Self.prefixLength - self.prefix.count, end - start)
                self.prefix.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + take)]))
            }
            guard found != nil else { return }
            self.complete(now: now)
            start = end + 1
        }
    }

    /// One answer line ended: it must answer the oldest request in flight.
    private mutating func complete(now: UInt64) {
        guard self.answered < self.sent else {
            self.errors += 1
            self.prefix.removeAll(keepingCapacity: true)
            return
        }
        let expected = self.ids[self.answered % self.cycleLines]
        if !self.answerMatches(expected) { self.errors += 1 }
        self.prefix.removeAll(keepingCapacity: true)
        self.latencies.append(now &- self.sentAt[self.answered])
        self.answered += 1
    }

    /// `{"id":<expected>,"decision":` — anything else is an error answer or out of order.
    private func answerMatches(_ id: [UInt8]) -> Bool {
        let head: StaticString = "{\"id\":"
        let tail: StaticString = ",\"decision\":"
        let length = head.utf8CodeUnitCount + id.count + tail.utf8CodeUnitCount
        guard self.prefix.count >= length else { return false }
        return self.prefix.withUnsafeBytes { bytes in
            memcmp(bytes.baseAddress!, head.utf8Start, head.utf8CodeUnitCount) == 0
                && id.withUnsafeBytes { memcmp(bytes.baseAddress! + head.utf8CodeUnitCount, $0.baseAddress!, id.count) } == 0
                && memcmp(bytes.baseAddress! + head.utf8CodeUnitCount + id.count, tail.utf8Start, tail.utf8CodeUnitCount) == 0
        }
    }

    /// The server closed or reset the connection: what is in flight is lost.
    mutating func fail() {
        guard !self.failed else { return }
        self.failed = true
        self.errors += self.total - self.answered
    }
}
