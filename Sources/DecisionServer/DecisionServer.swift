import Dispatch
import Logging
import NIOCore
import NIOPosix
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `agate serve`: answers decision requests over a Unix domain socket.
///
/// One NIO event loop per core does everything for the connections it owns:
/// I/O, framing, deciding against an immutable shared policy set, answering
/// (see ``ConnectionHandler``). SIGTERM/SIGINT stop accepting, answer what has
/// been read, flush the decision log and remove the socket; SIGHUP reloads.
public final class DecisionServer: Sendable {
    let services: ServerServices
    private let listener = Mutex<(any Channel)?>(nil)
    private let stopping = Mutex(false)

    /// Loads the policies and opens the decision log; throws when either fails.
    public init(configuration: ServerConfiguration, logger: Logger) throws {
        let store = try PolicyStore(paths: configuration.policyPaths, logger: logger)
        let log = try configuration.decisionLog.map { try DecisionLog(options: $0, logger: logger) }
        self.services = ServerServices(configuration: configuration, store: store, log: log, logger: logger)
    }

    private var configuration: ServerConfiguration { self.services.configuration }
    private var logger: Logger { self.services.logger }

    /// Serves until ``shutdown()`` (or SIGTERM/SIGINT), then cleans up.
    public func run(handleSignals: Bool = true) async throws {
        let path = self.configuration.socketPath
        try SocketFile.prepare(path)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, self.configuration.threads))
        let listener: any Channel
        do {
            listener = try await SocketFile.withCreationMode(self.configuration.socketMode) {
                try await ServerBootstrap(group: group)
                    .serverChannelOption(ChannelOptions.backlog, value: 1024)
                    // A client may send its requests and shut down its write side
                    // (`echo … | socat`, `nc -N`): it still gets every answer.
                    .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture { try self.initialize(channel) }
                    }
                    .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: false).get()
            }
            try SocketFile.setMode(path, self.configuration.socketMode)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        self.listener.withLock { $0 = listener }
        let signals = handleSignals ? SignalHandlers(server: self) : nil
        let watcher = self.configuration.watch ? PolicyWatcher(paths: self.configuration.policyPaths, store: self.services.store) : nil
        let snapshot = self.services.store.snapshot
        self.logger.info("agate serving", metadata: [
            "socket": "\(path)", "policyset": "\(snapshot.set.hash)", "policies": "\(snapshot.set.policyCount)",
            "threads": "\(self.configuration.threads)",
        ])
        if self.stopping.withLock({ $0 }) { listener.close(promise: nil) }
        try? await listener.closeFuture.get()
        // Stopped accepting: let every connection answer what it has read.
        let open = self.services.registry.drainAll()
        // A client that never reads its answers must not hold shutdown forever.
        let registry = self.services.registry
        let grace = self.configuration.shutdownGrace
        let graceTimer = Task {
            try? await Task.sleep(for: .milliseconds(Int64(grace * 1000)))
            if !Task.isCancelled { registry.closeAll() }
        }
        for channel in open { try? await channel.closeFuture.get() }
        graceTimer.cancel()
        watcher?.stop()
        signals?.cancel()
        self.services.log?.close()
        SocketFile.remove(path)
        try? await group.shutdownGracefully()
        self.logger.info("agate stopped")
    }

    /// Begins a graceful shutdown: stop accepting, drain, flush, exit `run`.
    public func shutdown() {
        let first = self.stopping.withLock { stopping -> Bool in
            defer { stopping = true }
            return !stopping
        }
        guard first else { return }
        self.logger.info("shutting down: answering requests already read")
        self.listener.withLock { $0 }?.close(promise: nil)
    }

    /// Reloads the policies and signing keys (SIGHUP).
    public func reload(trigger: String) {
        self.services.reload(trigger: trigger)
    }

    /// Sets `channel` up as an accepted connection is set up, for driving the
    /// protocol without a socket (the fuzz harness uses an `EmbeddedChannel`).
    public func initializeConnection(_ channel: any Channel) throws {
        try self.initialize(channel)
    }

    /// Runs on the new channel's event loop before any byte is read.
    private func initialize(_ channel: any Channel) throws {
        let credentials = PeerCredentials.of(channel)
        let pipeline = channel.pipeline.syncOperations
        if let refusal = self.services.registry.admit(channel, credentials: credentials, configuration: self.configuration) {
            try channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false)
            try pipeline.addHandler(RefusalHandler(line: self.refusalLine(refusal)))
            return
        }
        if let idle = self.configuration.idleTimeout {
            try pipeline.addHandler(IdleStateHandler(readTimeout: .milliseconds(Int64(idle * 1000))))
            try pipeline.addHandler(IdleCloser())
        }
        try pipeline.addHandler(ConnectionHandler(services: self.services, peer: credentials,
                                                  stats: self.services.stats.worker(for: channel.eventLoop)))
    }

    private func refusalLine(_ refusal: ConnectionRegistry.Refusal) -> [UInt8] {
        var line: [UInt8] = []
        switch refusal {
        case .tooManyConnections(let limit):
            self.logger.warning("connection refused: limit reached", metadata: ["limit": "\(limit)"])
            JSONOutput.appendError(id: nil, code: "too_many_connections",
                                   message: "the server already has \(limit) connections; try again later", to: &line)
        case .peerNotAllowed(let uid, let gid):
            self.logger.warning("connection refused: peer not allowed", metadata: ["uid": "\(uid)", "gid": "\(gid)"])
            JSONOutput.appendError(id: nil, code: "forbidden",
                                   message: "uid \(uid) / gid \(gid) may not use this server", to: &line)
        case .shuttingDown:
            JSONOutput.appendError(id: nil, code: "unavailable", message: "the server is shutting down", to: &line)
        }
        return line
    }
}

/// Turns a refused connection away: one error line, then close.
final class RefusalHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let line: [UInt8]

    init(line: [UInt8]) {
        self.line = line
    }

    func channelActive(context: ChannelHandlerContext) {
        let buffer = context.channel.allocator.buffer(bytes: self.line)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(Self.wrapOutboundOut(buffer)).whenComplete { _ in bound.value.close(promise: nil) }
        context.fireChannelActive()
    }
}

/// Closes a connection that has been silent for the idle timeout.
final class IdleCloser: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
