import Histogram
import NIOCore
import Synchronization

/// Counters of one event loop's connections: written under a lock (taken by
/// one thread, the loop's, but for `stats` and token issuance) once per batch.
final class WorkerStats: Sendable {
    struct Counters {
        var allow: UInt64 = 0
        var deny: UInt64 = 0
        var errors: [String: UInt64] = [:]
        /// Matched-policy counts by policy name.
        var policies: [String: UInt64] = [:]
        /// Server-side latency (line received to answer ready), nanoseconds.
        var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)

        mutating func merge(_ other: Counters) {
            self.allow += other.allow
            self.deny += other.deny
            self.errors.merge(other.errors, uniquingKeysWith: +)
            self.policies.merge(other.policies, uniquingKeysWith: +)
            self.latency.add(other.latency)
        }
    }

    let counters = Mutex(Counters())
}

/// Every event loop's counters, merged on demand for `stats`. One set per
/// loop, not per connection: a latency histogram is 27,600 buckets (220 KB),
/// so a thousand connections would have held 220 MB, and `stats` merged them all.
final class ServerStats: Sendable {
    private let workers = Mutex([ObjectIdentifier: WorkerStats]())

    /// The counters of the connections served by `loop`.
    func worker(for loop: any EventLoop) -> WorkerStats {
        self.workers.withLock { workers in
            if let worker = workers[ObjectIdentifier(loop)] { return worker }
            let worker = WorkerStats()
            workers[ObjectIdentifier(loop)] = worker
            return worker
        }
    }

    /// All counters so far, merged.
    func merged() -> WorkerStats.Counters {
        let workers = self.workers.withLock { Array($0.values) }
        var total = WorkerStats.Counters()
        for worker in workers {
            let counters = worker.counters.withLock { $0 }
            total.merge(counters)
        }
        return total
    }
}
