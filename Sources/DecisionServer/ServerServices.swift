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

    /// Reloads the policies and, with `--keys`, the signing keys, so that
    /// `agate keys rotate` and `retire` take effect on the same SIGHUP or
    /// `op: reload`. Keys that do not load leave the keys in use, and say so
    /// in the reload's diagnostics and the server log.
    @discardableResult
    func reload(trigger: String) -> ReloadResult {
        self.store.reload(trigger: trigger) {
            guard let tokens = self.configuration.identity?.tokens else { return [] }
            do {
                if try tokens.reloadKeys() {
                    self.logger.info("signing keys reloaded", metadata: [
                        "trigger": "\(trigger)", "active": "\(tokens.keys.activeKey.keyID)",
                    ])
                }
                return []
            } catch {
                self.logger.error("signing keys not reloaded", metadata: ["trigger": "\(trigger)", "error": "\(error)"])
                return ["\(error); the signing keys in use stay"]
            }
        }
    }
}
