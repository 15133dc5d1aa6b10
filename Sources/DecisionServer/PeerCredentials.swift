#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// Who is on the other end of a Unix socket, as the kernel reports it.
public struct PeerCredentials: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    /// Reads `SO_PEERCRED` from an accepted channel without reading any data.
    ///
    /// Must run on the channel's event loop (the child-channel initializer does),
    /// so the future is already complete and nothing blocks.
    static func of(_ channel: Channel) -> PeerCredentials? {
        #if os(Linux)
        guard let provider = channel as? SocketOptionProvider else { return nil }
        let future: EventLoopFuture<KernelCredentials> = provider.unsafeGetSocketOption(
            level: NIOBSDSocket.OptionLevel(rawValue: SOL_SOCKET),
            name: NIOBSDSocket.Option(rawValue: SO_PEERCRED)
        )
        var result: PeerCredentials?
        future.assumeIsolated().whenSuccess { credentials in
            result = PeerCredentials(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid)
        }
        return result
        #else
        return nil
        #endif
    }
}

/// The layout of Linux's `struct ucred` (Glibc hides it without `_GNU_SOURCE`).
struct KernelCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}
