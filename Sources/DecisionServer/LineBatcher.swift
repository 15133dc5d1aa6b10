import NIOCore

/// The lines that arrived in one socket read burst, answered together.
public struct LineBatch: Sendable {
    public var frames: [LineFrame]
}

/// Groups the frames decoded during one read burst into a single batch.
///
/// Pipelined clients send many lines per read; handing them to the connection
/// task as one element lets it write all their answers with one flush (one
/// syscall) instead of one per answer.
final class LineBatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = LineFrame
    typealias InboundOut = LineBatch

    private var pending: [LineFrame] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.pending.append(Self.unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.flushPending(context: context)
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.flushPending(context: context)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        self.flushPending(context: context)
        context.fireUserInboundEventTriggered(event)
    }

    private func flushPending(context: ChannelHandlerContext) {
        guard !self.pending.isEmpty else { return }
        let batch = LineBatch(frames: self.pending)
        self.pending = []
        context.fireChannelRead(Self.wrapInboundOut(batch))
    }
}
