import Foundation
import GRDB

/// Agent records and their blueprints as `standing(ofAgent:at:)` reads them,
/// kept for as long as the database is unchanged, so the server does not run
/// two SQLite queries per request.
///
/// A change still takes effect at once. Before every lookup the cache asks a
/// connection of its own for SQLite's `PRAGMA data_version`, which changes
/// whenever another connection — this process's writer, or `agate identity`
/// in another process — has committed; and this process's own writes bump a
/// counter of their own (a connection does not see its own commits in
/// `data_version`). Either change empties the cache. A commit that lands
/// between that check and the answer is one the request simply did not see
/// yet, as if it had been read a moment earlier.
final class RecordCache: @unchecked Sendable {
    /// Lookups of one agent: its record and blueprint, or nil when unknown.
    typealias Entry = (agent: Agent, blueprint: Blueprint?)?

    private let lock = NSLock()
    // Guarded by `lock`.
    private var entries: [String: Entry] = [:]
    private var seenVersion: Int64 = -1
    private var seenWrites: UInt64 = 0
    private var writes: UInt64 = 0
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
        lock.withLock { writes &+= 1 }
    }

    /// The cached entry for `id`, or `load()`'s answer (then cached). Without a
    /// usable version probe for a file store, always loads.
    func entry(for id: String, load: () -> Entry?) -> Entry? {
        lock.lock()
        defer { lock.unlock() }
        guard let version = currentVersion() else { return load() }
        if version != seenVersion || writes != seenWrites {
            entries.removeAll(keepingCapacity: true)
            seenVersion = version
            seenWrites = writes
        }
        if let entry = entries[id] { return entry }
        // Read failures are not cached: the next request tries again.
        guard let loaded = load() else { return nil }
        if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
        entries[id] = loaded
        return loaded
    }

    /// `data_version` of the probe connection (0 for an in-memory store); nil when it cannot be read.
    private func currentVersion() -> Int64? {
        if inMemory { return 0 }
        guard let probe else { return nil }
        return try? probe.inDatabase { try Int64.fetchOne($0.cachedStatement(sql: "PRAGMA data_version")) } ?? nil
    }
}
