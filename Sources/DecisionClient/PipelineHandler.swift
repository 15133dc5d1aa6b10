import NIOCore

import Synchronization

/// A continuation that may be resumed from two places (the handler, or a
/// failed write that never reached it); only the first resume counts.
final class AnswerWaiter: Sendable {
    private let continuation: Mutex<CheckedContinuation<[ByteBuffer], any Error>?>

    init(_ continuation: CheckedContinuation<[ByteBuffer], any Error>) {
        self.continuation = Mutex(continuation)
    }

    func resume(with result: Result<[ByteBuffer], any Error>) {
        let continuation = self.continuation.withLock { stored in
            defer { stored = nil }
            return stored
        }
        continuation?.resume(with: result)
    }
}

/// Lines written together and the waiter for their answers.
struct PendingExchange: Sendable {
    var lines: ByteBuffer
    var expected: Int
    var waiter: AnswerWaiter
}

/// Matches answers to requests by order: the server answers each connection's
/// lines in the order it received them, so a FIFO of waiters is enough.
final class PipelineHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = PendingExchange
    typealias OutboundOut = ByteBuffer

    private var waiting = CircularBuffer<(exchange: PendingExchange, answers: [ByteBuffer])>()
    private var failure: (any Error)?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let exchange = Self.unwrapOutboundIn(data)
        if let failure = self.failure {
            exchange.waiter.resume(with: .failure(failure))
            promise?.fail(failure)
            return
        }
        if exchange.expected == 0 {
            exchange.waiter.resume(with: .success([]))
        } else {
            self.waiting.append((exchange, []))
        }
        context.write(Self.wrapOutboundOut(exchange.lines), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = Self.unwrapInboundIn(data)
        guard !self.waiting.isEmpty else { return }
        self.waiting[self.waiting.startIndex].answers.append(line)
        let head = self.waiting[self.waiting.startIndex]
        if head.answers.count == head.exchange.expected {
            self.waiting.removeFirst()
            head.exchange.waiter.resume(with: .success(head.answers))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.failAll(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.failAll(DecisionClientError.connectionClosed)
        context.fireChannelInactive()
    }

    private func failAll(_ error: any Error) {
        if self.failure == nil { self.failure = error }
        while let entry = self.waiting.popFirst() {
            entry.exchange.waiter.resume(with: .failure(error))
        }
    }
}
