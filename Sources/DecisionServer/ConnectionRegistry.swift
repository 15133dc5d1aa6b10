import NIOCore
import Synchronization

/// The live connections: enforces the cap and lets shutdown drain them all.
final class ConnectionRegistry: Sendable {
    /// Why a connection was turned away before a byte was read.
    enum Refusal: Sendable {
        case tooManyConnections(limit: Int)
        case peerNotAllowed(uid: UInt32, gid: UInt32)
        case shuttingDown
    }

    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var draining = false
        var accepted: UInt64 = 0
        var refusedOverLimit: UInt64 = 0
        var refusedPeers: UInt64 = 0
    }

    private let state = Mutex(State())
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Admits `channel` or says why not; counts either way.
    func admit(_ channel: any Channel, credentials: PeerCredentials?, configuration: ServerConfiguration) -> Refusal? {
        self.state.withLock { state in
            if state.draining { return .shuttingDown }
            let uid = credentials?.uid ?? UInt32.max
            let gid = credentials?.gid ?? UInt32.max
            if !configuration.admits(uid: uid, gid: gid) {
                state.refusedPeers += 1
                return .peerNotAllowed(uid: uid, gid: gid)
            }
            if state.channels.count >= self.limit {
                state.refusedOverLimit += 1
                return .tooManyConnections(limit: self.limit)
            }
            state.channels[ObjectIdentifier(channel)] = channel
            state.accepted += 1
            return nil
        }
    }

    func remove(_ channel: any Channel) {
        _ = self.state.withLock { $0.channels.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    var counts: (open: Int, accepted: UInt64, refusedOverLimit: UInt64, refusedPeers: UInt64) {
        self.state.withLock { ($0.channels.count, $0.accepted, $0.refusedOverLimit, $0.refusedPeers) }
    }

    /// Stops every connection from reading further; each answers what it has
    /// already read, then closes. Later arrivals are refused.
    /// Returns the channels it drains, for shutdown to wait on.
    func drainAll() -> [any Channel] {
        let channels = self.state.withLock { state in
            state.draining = true
            return Array(state.channels.values)
        }
        for channel in channels {
            channel.eventLoop.execute {
                channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            }
        }
        return channels
    }

    /// Closes whatever is still open (after the shutdown grace period).
    func closeAll() {
        let channels = self.state.withLock { Array($0.channels.values) }
        for channel in channels { channel.close(promise: nil) }
    }
}
