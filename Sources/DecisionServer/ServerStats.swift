import Histogram
import Synchronization

/// Counters of one connection: written by its task under an uncontended lock
/// once per batch, read by `stats` under the same lock.
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

/// Every worker's counters, merged on demand for `stats`.
final class ServerStats: Sendable {
    private struct State {
        var workers: [ObjectIdentifier: WorkerStats] = [:]
        /// Counters of connections that have closed.
        var retired = WorkerStats.Counters()
    }

    private let state = Mutex(State())

    func register() -> WorkerStats {
        let worker = WorkerStats()
        self.state.withLock { $0.workers[ObjectIdentifier(worker)] = worker }
        return worker
    }

    func retire(_ worker: WorkerStats) {
        let counters = worker.counters.withLock { $0 }
        self.state.withLock { state in
            state.workers.removeValue(forKey: ObjectIdentifier(worker))
            state.retired.merge(counters)
        }
    }

    /// All counters so far, merged.
    func merged() -> WorkerStats.Counters {
        let (workers, retired) = self.state.withLock { (Array($0.workers.values), $0.retired) }
        var total = retired
        for worker in workers {
            let counters = worker.counters.withLock { $0 }
            total.merge(counters)
        }
        return total
    }
}
