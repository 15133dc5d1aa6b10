import Foundation

/// The signing keys a running issuer uses, replaceable while it runs: after
/// `agate keys rotate` or `retire` in another process, a server reloads the
/// key file (on SIGHUP or `op: reload`) and signs with the new active key.
/// Every token call reads the keys once, so one call never mixes two sets.
final class SigningKeyRing: @unchecked Sendable {
    // Guarded by `lock`.
    private var keys: SigningKeyStore
    private let lock = NSLock()

    init(_ keys: SigningKeyStore) {
        self.keys = keys
    }

    var current: SigningKeyStore { lock.withLock { keys } }

    /// Replaces the keys; whether the new set differs (by key ids and statuses).
    func replace(with fresh: SigningKeyStore) -> Bool {
        lock.withLock {
            let changed = keys.keys.map { [$0.keyID, $0.status.rawValue] } != fresh.keys.map { [$0.keyID, $0.status.rawValue] }
            keys = fresh
            return changed
        }
    }
}
