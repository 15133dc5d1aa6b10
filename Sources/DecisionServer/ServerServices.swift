#if canImport(Glibc)
import Glibc
#endif
import Logging

/// The shared, thread-safe parts of a running server that every connection uses.
final class ServerServices: Sendable {
    let configuration: ServerConfiguration
    let store: PolicyStore
    let stats = ServerStats()
    let registry: ConnectionRegistry
    let log: DecisionLog?
    let logger: Logger
    /// Monotonic nanoseconds at start, for `uptime_s`.
    let startedAt = WallClock.monotonicNanoseconds()

    init(configuration: ServerConfiguration, store: PolicyStore, log: DecisionLog?, logger: Logger) {
        self.configuration = configuration
        self.store = store
        self.registry = ConnectionRegistry(limit: configuration.maximumConnections)
        self.log = log
        self.logger = logger
    }

    var uptimeSeconds: UInt64 { (WallClock.monotonicNanoseconds() - self.startedAt) / 1_000_000_000 }
}
