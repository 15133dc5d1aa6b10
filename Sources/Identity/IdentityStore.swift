import Foundation
import GRDB

/// The identity records of one deployment: blueprints, agents, credentials,
/// used assertion ids and the append-only audit log, in one SQLite file.
///
/// Every write runs in one transaction with its audit event, so a change and
/// its record in the log commit together or not at all. The store is safe to
/// share between threads and between processes (the CLI and the server can
/// hold the same file open: WAL mode, with a busy timeout).
public final class IdentityStore: Sendable {
    let writer: any DatabaseWriter
    let clock: @Sendable () -> Int64
    let records: RecordCache

    /// Opens (creating if needed) the store at `path` and brings its schema up
    /// to date. `":memory:"` opens a private in-memory store.
    public init(path: String, clock: @escaping @Sendable () -> Int64 = IdentityStore.systemClock) throws {
        self.clock = clock
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        do {
            if path == ":memory:" {
                writer = try DatabaseQueue(configuration: configuration)
            } else {
                // The records are not secrets, but who may act is: keep the file
                // private. Created 0600 before SQLite opens it, so the WAL and
                // shared-memory files SQLite derives from it are private too.
                let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
                if descriptor >= 0 { close(descriptor) }
                writer = try DatabasePool(path: path, configuration: configuration)
            }
            try IdentitySchema.migrator.migrate(writer)
        } catch let error as DatabaseError {
            throw IdentityError.database(error.message ?? "\(error)")
        }
        // After the file exists: the cache opens a connection of its own to it.
        records = RecordCache(path: path == ":memory:" ? nil : path)
    }

    /// A private in-memory store, for tests and demos.
    public static func inMemory(clock: @escaping @Sendable () -> Int64 = IdentityStore.systemClock) throws
        -> IdentityStore
    {
        try IdentityStore(path: ":memory:", clock: clock)
    }

    /// Seconds since the epoch, from the system clock.
    @Sendable public static func systemClock() -> Int64 {
        Int64(Date().timeIntervalSince1970)
    }

    /// The store's notion of now, in seconds since the epoch.
    public var now: Int64 { clock() }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        defer { records.invalidate() }
        do {
            return try writer.write(body)
        } catch let error as DatabaseError {
            throw IdentityError.database(error.message ?? "\(error)")
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.read(body)
        } catch let error as DatabaseError {
            throw IdentityError.database(error.message ?? "\(error)")
        }
    }
}

// MARK: - JSON columns

enum JSONColumn {
    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain arrays and dictionaries of strings cannot fail.
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String?) throws -> T {
        guard let text else { throw IdentityError.database("missing JSON column") }
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw IdentityError.database("corrupt JSON column: \(text.prefix(80))")
        }
    }
}

// MARK: - Validation

enum Validate {
    /// Ids and names: non-empty, at most 256 characters, no control characters
    /// or whitespace, so they print unambiguously in logs and tables.
    static func name(_ value: String, field: String) throws {
        guard !value.isEmpty else { throw IdentityError.invalid(field: field, reason: "it is empty") }
        guard value.count <= 256 else {
            throw IdentityError.invalid(field: field, reason: "`\(value.prefix(32))…` is longer than 256 characters")
        }
        guard value.unicodeScalars.allSatisfy({ !$0.properties.isWhitespace && $0.value >= 0x20 && $0.value != 0x7F })
        else {
            throw IdentityError.invalid(field: field, reason: "`\(value)` contains whitespace or control characters")
        }
    }

    static func text(_ value: String, field: String) throws {
        guard value.count <= 4096, value.unicodeScalars.allSatisfy({ $0.value >= 0x20 || $0.value == 0x0A })
        else {
            throw IdentityError.invalid(field: field, reason: "longer than 4096 characters or holds control characters")
        }
    }
}
