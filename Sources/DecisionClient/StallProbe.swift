import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Measures how late a thread gets to run on this machine while a load test
/// runs, in the manner of jHiccup: a thread that sleeps for a fixed tick and
/// records how much later than asked it woke.
///
/// The load generator and the server share the machine, so a client-side
/// latency tail can come from either, or from neither: a busy core, another
/// tenant, or a hypervisor that deschedules a virtual CPU stalls every thread
/// on it. The probe does no work of its own, so its stalls are the machine's,
/// and a run's report can say how much of its tail the machine explains.
final class StallProbe: @unchecked Sendable {
    /// What the probe saw over one run.
    struct Summary: Sendable, Equatable {
        /// Wake-ups late by more than `threshold`.
        var stalls: Int
        /// The latest wake-up, nanoseconds past its due time.
        var longest: UInt64

        /// Counts one wake-up, `late` nanoseconds past its due time.
        mutating func record(late: UInt64) {
            self.longest = max(self.longest, late)
            if late > StallProbe.threshold { self.stalls += 1 }
        }
    }

    static let tick: UInt64 = 1_000_000
    static let threshold: UInt64 = 1_000_000

    private let lock = NSLock()
    private var running = true
    private var summary = Summary(stalls: 0, longest: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts the probe's thread.
    init() {
        let thread = Thread { [self] in self.measure() }
        thread.name = "agate-stall-probe"
        thread.start()
    }

    /// Stops the probe (once; later calls only read) and returns what it saw.
    @discardableResult
    func stop() -> Summary {
        let first = self.lock.withLock {
            defer { self.running = false }
            return self.running
        }
        if first { self.finished.wait() }
        return self.lock.withLock { self.summary }
    }

    private func measure() {
        var due = LoadGenerator.now() + Self.tick
        while self.lock.withLock({ self.running }) {
            var request = timespec(tv_sec: Int(due / 1_000_000_000), tv_nsec: Int(due % 1_000_000_000))
            while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &request, nil) == EINTR {}
            let woke = LoadGenerator.now()
            if woke > due { self.lock.withLock { self.summary.record(late: woke - due) } }
            // Measure each tick from when the probe woke, so one stall counts once.
            due = woke + Self.tick
        }
        self.finished.signal()
    }
}
