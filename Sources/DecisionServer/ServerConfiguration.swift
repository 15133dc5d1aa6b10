#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Everything `agate serve` is told on its command line.
public struct ServerConfiguration: Sendable {
    /// Policy files or folders of `*.agate` files.
    public var policyPaths: [String]
    public var socketPath: String
    /// Permission bits of the socket file (0660 by default: owner and group).
    public var socketMode: UInt32 = 0o660
    /// When either list is non-empty, only peers whose uid or gid is listed are served.
    public var allowedUIDs: [UInt32] = []
    public var allowedGIDs: [UInt32] = []
    /// Longest line accepted; a longer one gets an error and the connection closes.
    public var maximumLineLength = 64 * 1024
    /// Seconds without a received byte before a connection is closed (nil: never).
    public var idleTimeout: Double? = 300
    public var maximumConnections = 1024
    public var decisionLog: DecisionLogOptions?
    /// Poll the policy files every second and reload when they change.
    public var watch = false
    /// Let peers other than the server's own uid use `op: reload`.
    public var allowRemoteReload = false
    /// The uid `op: reload` is allowed to without `allowRemoteReload`: the
    /// server's own. Internal so tests can play a foreign peer without root.
    var serverUID = UInt32(getuid())
    /// Event-loop threads (default: one per core).
    public var threads = System.coreCount
    /// Seconds to wait, on shutdown, for connections to finish answering.
    public var shutdownGrace: Double = 5
    /// The identity store and token issuer (`--identities`, `--keys`).
    public var identity: ServerIdentity?

    public init(policyPaths: [String], socketPath: String) {
        self.policyPaths = policyPaths
        self.socketPath = socketPath
    }

    /// True when a peer with these credentials may connect.
    func admits(uid: UInt32, gid: UInt32) -> Bool {
        if self.allowedUIDs.isEmpty && self.allowedGIDs.isEmpty { return true }
        return self.allowedUIDs.contains(uid) || self.allowedGIDs.contains(gid)
    }
}
