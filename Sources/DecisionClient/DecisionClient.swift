import NIOCore
import NIOPosix
import Synchronization

/// What can go wrong talking to an Agate server.
public enum DecisionClientError: Error, Equatable, Sendable {
    /// The server closed the connection before answering.
    case connectionClosed
    /// An answer line exceeded the client's limit.
    case answerTooLong
    /// A line to send contains a newline (the protocol is one line per request).
    case lineContainsNewline
}

/// A connection to `agate serve` over its Unix socket.
///
/// Safe to share between tasks: each call's lines are written together and
/// its answers matched by order, so concurrent calls pipeline on the one
/// connection. Answers are returned as raw JSON lines.
///
/// ```swift
/// let client = try await DecisionClient.connect(socketPath: "/run/agate.sock")
/// let answer = try await client.evaluate(#"{"subject":{…},"audience":"…","location":{"ip":"10.0.0.1"}}"#)
/// ```
public final class DecisionClient: Sendable {
    private let channel: any Channel
    private let nextID = Mutex(1)

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Connects to the server listening on `socketPath`.
    public static func connect(
        socketPath: String,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        maximumAnswerLength: Int = 16 << 20
    ) async throws -> DecisionClient {
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(AnswerLineDecoder(maximumLineLength: maximumAnswerLength)))
                    try channel.pipeline.syncOperations.addHandler(PipelineHandler())
                }
            }
            .connect(unixDomainSocketPath: socketPath)
            .get()
        return DecisionClient(channel: channel)
    }

    /// Sends raw protocol lines (no newlines inside) together; returns their answer lines in order.
    public func send(lines: [String]) async throws -> [String] {
        guard !lines.isEmpty else { return [] }
        var buffer = self.channel.allocator.buffer(capacity: lines.reduce(0) { $0 + $1.utf8.count + 1 })
        for line in lines {
            guard !line.utf8.contains(UInt8(ascii: "\n")) else { throw DecisionClientError.lineContainsNewline }
            buffer.writeString(line)
            buffer.writeInteger(UInt8(ascii: "\n"))
        }
        let answers = try await self.exchange(buffer, expected: lines.count)
        return answers.map { String(buffer: $0) }
    }

    /// Sends raw bytes (any framing, even invalid UTF-8) and waits for `answers` lines.
    public func send(bytes: [UInt8], answers: Int) async throws -> [String] {
        var buffer = self.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return try await self.exchange(buffer, expected: answers).map { String(buffer: $0) }
    }

    /// Sends one raw protocol line; returns its answer line.
    public func send(line: String) async throws -> String {
        try await self.send(lines: [line])[0]
    }

    /// Evaluates one request (a JSON object); returns the answer line.
    public func evaluate(_ requestJSON: String) async throws -> String {
        try await self.evaluate(batch: [requestJSON])[0]
    }

    /// Evaluates requests pipelined on this connection; answers in request order.
    public func evaluate(batch requests: [String]) async throws -> [String] {
        let first = self.nextID.withLock { id in
            defer { id += requests.count }
            return id
        }
        let lines = requests.enumerated().map { offset, request in
            #"{"id":\#(first + offset),"op":"evaluate","request":\#(request)}"#
        }
        return try await self.send(lines: lines)
    }

    /// The server's `health` answer.
    public func health() async throws -> String {
        try await self.send(line: #"{"id":"health","op":"health"}"#)
    }

    /// The server's `stats` answer.
    public func stats() async throws -> String {
        try await self.send(line: #"{"id":"stats","op":"stats"}"#)
    }

    /// Asks the server to reload its policies (allowed to the server's own user).
    public func reload() async throws -> String {
        try await self.send(line: #"{"id":"reload","op":"reload"}"#)
    }

    public func close() async {
        try? await self.channel.close()
    }

    private func exchange(_ lines: ByteBuffer, expected: Int) async throws -> [ByteBuffer] {
        try await withCheckedThrowingContinuation { continuation in
            let waiter = AnswerWaiter(continuation)
            let exchange = PendingExchange(lines: lines, expected: expected, waiter: waiter)
            // A write on a closed channel never reaches the handler: fail it here.
            self.channel.writeAndFlush(exchange).whenFailure { error in
                waiter.resume(with: .failure(error))
            }
        }
    }
}
