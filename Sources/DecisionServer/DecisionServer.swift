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
/// One NIO event loop per core does the I/O and framing; each connection is a
/// task that evaluates its batches against an immutable, shared policy set.
/// SIGTERM/SIGINT stop accepting, answer what has been read, flush the
/// decision log and remove the socket; SIGHUP reloads the policies.
public final class DecisionServer: Sendable {
    /// An accepted socket: served, or turned away before a byte is read.
    enum Connection: Sendable {
        case accepted(NIOAsyncChannel<LineBatch, ByteBuffer>, PeerCredentials?)
        case refused(any Channel, ConnectionRegistry.Refusal)
    }

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
        let listener: NIOAsyncChannel<Connection, Never>
        do {
            listener = try await SocketFile.withCreationMode(self.configuration.socketMode) {
                try await ServerBootstrap(group: group)
                    .serverChannelOption(ChannelOptions.backlog, value: 1024)
                    // A client may send its requests and shut down its write side
                    // (`echo … | socat`, `nc -N`): it still gets every answer.
                    .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                    .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: false) { channel in
                        channel.eventLoop.makeCompletedFuture { try self.initialize(channel) }
                    }
            }
            try SocketFile.setMode(path, self.configuration.socketMode)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        self.listener.withLock { $0 = listener.channel }
        let signals = handleSignals ? SignalHandlers(server: self) : nil
        let watcher = self.configuration.watch ? PolicyWatcher(paths: self.configuration.policyPaths, store: self.services.store) : nil
        let snapshot = self.services.store.snapshot
        self.logger.info("agate serving", metadata: [
            "socket": "\(path)", "policyset": "\(snapshot.set.hash)", "policies": "\(snapshot.set.policyCount)",
            "threads": "\(self.configuration.threads)",
        ])
        if self.stopping.withLock({ $0 }) { listener.channel.close(promise: nil) }
        let registry = self.services.registry
        let grace = self.configuration.shutdownGrace
        let graceTimer = Mutex<Task<Void, Never>?>(nil)
        await withDiscardingTaskGroup { tasks in
            do {
                try await listener.executeThenClose { inbound in
                    for try await connection in inbound {
                        tasks.addTask { await self.serve(connection) }
                    }
                }
            } catch {
                if !self.stopping.withLock({ $0 }) {
                    self.logger.error("accept loop failed", metadata: ["error": "\(error)"])
                }
            }
            // Stopped accepting: let every connection answer what it has read.
            self.services.registry.drainAll()
            // A client that never reads its answers must not hold shutdown forever.
            graceTimer.withLock {
                $0 = Task {
                    try? await Task.sleep(for: .milliseconds(Int64(grace * 1000)))
                    if !Task.isCancelled { registry.closeAll() }
                }
            }
        }
        graceTimer.withLock { $0?.cancel() }
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

    /// Reloads the policies (SIGHUP).
    public func reload(trigger: String) {
        self.services.store.reload(trigger: trigger)
    }

    /// Runs on the new channel's event loop before any byte is read.
    private func initialize(_ channel: any Channel) throws -> Connection {
        let credentials = PeerCredentials.of(channel)
        if let refusal = self.services.registry.admit(channel, credentials: credentials, configuration: self.configuration) {
            try channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false)
            return .refused(channel, refusal)
        }
        let pipeline = channel.pipeline.syncOperations
        if let idle = self.configuration.idleTimeout {
            try pipeline.addHandler(IdleStateHandler(readTimeout: .milliseconds(Int64(idle * 1000))))
            try pipeline.addHandler(IdleCloser())
        }
        try pipeline.addHandler(ByteToMessageHandler(LineFrameDecoder(maximumLineLength: self.configuration.maximumLineLength)))
        try pipeline.addHandler(LineBatcher())
        let asyncChannel = try NIOAsyncChannel<LineBatch, ByteBuffer>(
            wrappingChannelSynchronously: channel,
            configuration: .init(backPressureStrategy: .init(lowWatermark: 2, highWatermark: 16))
        )
        return .accepted(asyncChannel, credentials)
    }

    /// One connection's whole life; never throws: a bad connection only ends itself.
    private func serve(_ connection: Connection) async {
        switch connection {
        case .refused(let channel, let refusal):
            await self.refuse(channel, refusal)
        case .accepted(let channel, let credentials):
            var session = ConnectionSession(services: self.services, peer: credentials)
            do {
                try await channel.executeThenClose { inbound, outbound in
                    for try await batch in inbound {
                        var output = session.process(batch, allocator: channel.channel.allocator)
                        if output.pendingTokens {
                            output = await session.issueTokens(output, allocator: channel.channel.allocator)
                        }
                        if let log = self.services.log, !output.logLines.isEmpty {
                            await log.append(output.logLines)
                        }
                        try await outbound.write(output.answers)
                        if output.close { return }
                    }
                }
            } catch {
                self.logger.debug("connection ended with an error", metadata: ["error": "\(error)"])
            }
            session.flushCounts()
            self.services.stats.retire(session.worker)
            self.services.registry.remove(channel.channel)
        }
    }

    private func refuse(_ channel: any Channel, _ refusal: ConnectionRegistry.Refusal) async {
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
        var buffer = channel.allocator.buffer(capacity: line.count)
        buffer.writeBytes(line)
        try? await channel.writeAndFlush(buffer)
        try? await channel.close()
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
