import Foundation
import GRDB

/// Agent records and their blueprints as `standing(ofAgent:at:)` reads them,
/// kept for as long as the database is unchanged, so the server does not run
/// two SQLite queries per request.
///
/// A change still takes effect at once. Before every lookup the cache asks a
/// connection of its own for SQLite's `PRAGMA data_version`, which changes
/// whenever another connection — this process's writer, or `agate identity`
/// in another process — has committed, and such a change empties the cache.
/// This process's own writes empty it directly: an in-memory store has a
/// single connection, which does not see its own commits in `data_version`.
/// A commit that lands between that check and the answer is one the request
/// simply did not see yet, as if it had been read a moment earlier.
final class RecordCache: @unchecked Sendable {
    /// What the store holds for one agent id.
    enum Record {
        /// The agent and its blueprint (nil when the blueprint is gone).
        case agent(Agent, Blueprint?)
        case unknown
    }

    private let lock = NSLock()
    // Guarded by `lock`.
    private var records: [String: Record] = [:]
    private var seenVersion: Int64 = -1
    private let inMemory: Bool
    /// The connection whose `data_version` is watched (none for an in-memory store).
    private let probe: DatabaseQueue?
    private static let capacity = 4096

    /// `path` nil: an in-memory store, which no other connection can change.
    init(path: String?) {
        inMemory = path == nil
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        probe = path.flatMap { try? DatabaseQueue(path: $0, configuration: configuration) }
    }

    /// Called after every write this process commits.
    func invalidate() {
        lock.withLock { records.removeAll(keepingCapacity: true) }
    }

    /// The cached record for `id`, or `load()`'s answer (then cached; nil, a
    /// failed read, is not). Without a usable version probe for a file store,
    /// always loads.
    func record(for id: String, load: () -> Record?) -> Record? {
        lock.lock()
        defer { lock.unlock() }
        guard let version = currentVersion() else { return load() }
        if version != seenVersion {
            records.removeAll(keepingCapacity: true)
            seenVersion = version
        }
        if let record = records[id] { return record }
        guard let loaded = load() else { return nil }
        if records.count >= Self.capacity { records.removeAll(keepingCapacity: true) }
        records[id] = loaded
        return loaded
    }

    /// `data_version` of the probe connection (0 for an in-memory store); nil when it cannot be read.
    private func currentVersion() -> Int64? {
        if inMemory { return 0 }
        guard let probe else { return nil }
        return try? probe.inDatabase { try Int64.fetchOne($0.cachedStatement(sql: "PRAGMA data_version")) } ?? nil
    }
}
