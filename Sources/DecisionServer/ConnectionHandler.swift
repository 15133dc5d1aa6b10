import NIOCore

/// One connection, served entirely on its channel's event loop.
///
/// Every complete line of a read is answered in place, straight from NIO's
/// read buffer, on the connection's own evaluator; the answers of one read
/// burst leave in one write and one flush. Nothing hops to another thread on
/// the decision path: only `op: token` (signature checks, async) and a full
/// decision-log queue make the connection wait, and while it waits it stops
/// reading, so its answers stay in order and nothing is read that cannot be
/// answered.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let services: ServerServices
    private var session: ConnectionSession
    private var splitter: LineSplitter
    /// The unfinished line at the end of the last read.
    private var carry: ByteBuffer?
    /// Reads that arrived while waiting, answered in order once the wait ends.
    private var held: [ByteBuffer] = []
    /// Decision-log lines of the batch being answered.
    private var log: [UInt8] = []
    private var clock: (seconds: Int64, nanoseconds: Int64) = (0, 0)
    private var batchOpen = false
    /// Waiting for room in the decision log or for token issuance.
    private var waiting = false
    /// The peer half-closed, or the server is draining: answer what was read, then close.
    private var inputClosed = false
    /// An over-long line was answered: close after the answers.
    private var closeAfterAnswers = false
    private var closing = false
    private var retired = false
    /// The session is with a token task; its counts come back with it.
    private var sessionAway = false
    /// The connection ended while the session was away: retire when it is back.
    private var retireWhenBack = false

    init(services: ServerServices, peer: PeerCredentials?, stats: WorkerStats) {
        self.services = services
        self.session = ConnectionSession(services: services, peer: peer, worker: stats)
        self.splitter = LineSplitter(maximumLineLength: services.configuration.maximumLineLength)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = Self.unwrapInboundIn(data)
        if self.closeAfterAnswers || self.closing { return }
        if self.waiting {
            self.held.append(buffer)
        } else {
            self.consume(buffer)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !self.waiting { self.finishBatch(context: context) }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // A client that does not read its answers stops being read from.
        self.updateReading(context: context)
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            self.inputClosed = true
            self.updateReading(context: context)
            if !self.waiting { self.finishBatch(context: context) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.services.logger.debug("connection ended with an error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.retire()
        self.services.registry.remove(context.channel)
        context.fireChannelInactive()
    }

    // MARK: - Answering

    /// Answers every complete line of `buffer` (joined to the carried partial line).
    private func consume(_ incoming: ByteBuffer) {
        var buffer = incoming
        if !self.batchOpen {
            self.clock = self.session.beginBatch()
            self.batchOpen = true
        }
        let received = WallClock.monotonicNanoseconds()
        if var carry = self.carry.take() {
            // Only the carried line is copied; the rest is answered in place.
            let newline = buffer.withUnsafeReadableBytes { $0.firstIndex(of: UInt8(ascii: "\n")) }
            let take = newline.map { $0 + 1 } ?? buffer.readableBytes
            var head = buffer.readSlice(length: take)!
            carry.writeBuffer(&head)
            let consumed = self.answerLines(carry, received: received)
            carry.moveReaderIndex(forwardBy: consumed)
            if self.closeAfterAnswers { return }
            if carry.readableBytes > 0 {
                // Still no newline (or no more bytes): keep waiting for the line's end.
                self.carry = carry
                return
            }
        }
        let consumed = self.answerLines(buffer, received: received)
        if self.closeAfterAnswers { return }
        buffer.moveReaderIndex(forwardBy: consumed)
        if buffer.readableBytes > 0 {
            var partial = ByteBuffer()
            partial.reserveCapacity(max(buffer.readableBytes * 2, 1024))
            partial.writeBuffer(&buffer)
            self.carry = partial
        }
    }

    /// Answers the complete lines in `buffer`; returns how many bytes they took.
    private func answerLines(_ buffer: ByteBuffer, received: UInt64) -> Int {
        let clock = self.clock
        let (consumed, overlong) = buffer.withUnsafeReadableBytes { bytes in
            self.session.answerLines(bytes, splitter: &self.splitter, clock: clock, received: received, log: &self.log)
        }
        if overlong { self.closeAfterAnswers = true }
        return consumed
    }

    /// Sends the batch's answers (after queueing its log lines), or starts
    /// token issuance when the batch has `op: token` lines.
    private func finishBatch(context: ChannelHandlerContext) {
        if self.batchOpen {
            self.batchOpen = false
            self.session.flushCounts()
            if !self.session.pendingTokens.isEmpty { return self.issueTokens(context: context) }
            if !self.session.answers.isEmpty {
                var answers = context.channel.allocator.buffer(capacity: self.session.answers.count)
                answers.writeBytes(self.session.answers)
                self.session.answers.removeAll(keepingCapacity: true)
                return self.deliver(answers: answers, context: context)
            }
        }
        self.closeIfDone(context: context)
    }

    /// Queues the batch's log lines, then writes its answers: an answer never
    /// leaves before its decision is in the log's queue.
    private func deliver(answers: ByteBuffer, context: ChannelHandlerContext) {
        let chunk = self.log
        let lines = self.session.takeLoggedLines()
        self.log = []
        self.log.reserveCapacity(chunk.count)
        if let decisionLog = self.services.log, !chunk.isEmpty, !decisionLog.tryAppend(chunk, lines: lines) {
            // The disk is behind: wait for room, reading nothing meanwhile.
            self.wait(context: context)
            let loop = context.eventLoop
            let bound = NIOLoopBound((self, context), eventLoop: loop)
            decisionLog.append(chunk, lines: lines) {
                loop.execute {
                    let (handler, context) = bound.value
                    handler.write(answers, context: context)
                    handler.resume(context: context)
                }
            }
            return
        }
        self.write(answers, context: context)
        self.closeIfDone(context: context)
    }

    private func write(_ answers: ByteBuffer, context: ChannelHandlerContext) {
        guard answers.readableBytes > 0 else { return }
        context.writeAndFlush(Self.wrapOutboundOut(answers), promise: nil)
    }

    /// Token lines verify signatures asynchronously: the session goes to a
    /// task and comes back to this event loop with the batch's answers spliced.
    private func issueTokens(context: ChannelHandlerContext) {
        self.wait(context: context)
        self.sessionAway = true
        let handoff = Handoff((self.session, self.log, context.channel.allocator))
        self.log = []
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        Task {
            var (session, log, allocator) = handoff.value
            let pending = ConnectionSession.Output(answers: allocator.buffer(capacity: 0), logLines: log, close: false,
                                                   pendingTokens: true)
            let output = await session.issueTokens(pending, allocator: allocator)
            log = output.logLines
            let back = Handoff((session, log, output.answers))
            loop.execute {
                let (handler, context) = bound.value
                (handler.session, handler.log, _) = back.value
                handler.sessionAway = false
                handler.deliverAfterWait(answers: back.value.2, context: context)
                if handler.retireWhenBack { handler.retire() }
            }
        }
    }

    private func deliverAfterWait(answers: ByteBuffer, context: ChannelHandlerContext) {
        self.waiting = false
        self.deliver(answers: answers, context: context)
        if !self.waiting { self.resume(context: context) }
    }

    private func wait(context: ChannelHandlerContext) {
        self.waiting = true
        self.updateReading(context: context)
    }

    /// The wait is over: answer what arrived meanwhile, then read again.
    private func resume(context: ChannelHandlerContext) {
        self.waiting = false
        while !self.waiting, !self.held.isEmpty, !self.closeAfterAnswers {
            let buffer = self.held.removeFirst()
            self.consume(buffer)
            if self.held.isEmpty || self.batchOpen && self.session.pendingTokens.count > 0 {
                self.finishBatch(context: context)
            }
        }
        if !self.waiting {
            self.held.removeAll()
            self.finishBatch(context: context)
            self.updateReading(context: context)
        }
    }

    private func updateReading(context: ChannelHandlerContext) {
        let read = !self.waiting && !self.inputClosed && !self.closeAfterAnswers && context.channel.isWritable
        try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: read)
    }

    /// Closes once everything answered has been written, when the input is
    /// over (peer half-close, drain) or an over-long line ended it.
    private func closeIfDone(context: ChannelHandlerContext) {
        guard !self.closing, !self.waiting, self.inputClosed || self.closeAfterAnswers else { return }
        self.closing = true
        self.carry = nil
        // An empty write completes after every earlier one: then close.
        let flushed = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(Self.wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)), promise: flushed)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        flushed.futureResult.whenComplete { _ in bound.value.close(promise: nil) }
    }

    private func retire() {
        guard !self.retired else { return }
        guard !self.sessionAway else { self.retireWhenBack = true; return }
        self.retired = true
        self.session.flushCounts()
    }
}

/// Moves values that are not `Sendable` to a task and back. Sound because the
/// handler does not touch them while they are away (it is `waiting`).
private struct Handoff<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
