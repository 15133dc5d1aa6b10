import NIOCore
import NIOPosix
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A load generator for `agate serve`: C connections, each keeping up to D
/// requests in flight, over the real socket. Used by `agate bench-server`.
public struct LoadGenerator: Sendable {
    /// What to send and how hard.
    public struct Plan: Sendable {
        public var socketPath: String
        public var connections: Int
        public var depth: Int
        public var requests: Int
        /// Request objects (one JSON object each), cycled.
        public var requestBodies: [String]
        /// Total decisions per second to offer (nil: as fast as answers come).
        public var rate: Double?

        public init(socketPath: String, connections: Int, depth: Int, requests: Int, requestBodies: [String], rate: Double? = nil) {
            self.socketPath = socketPath
            self.connections = connections
            self.depth = depth
            self.requests = requests
            self.requestBodies = requestBodies
            self.rate = rate
        }
    }

    /// Throughput and latency of one run.
    public struct Report: Sendable, CustomStringConvertible {
        public var answered: Int
        public var errors: Int
        public var seconds: Double
        /// Sorted round-trip latencies, nanoseconds.
        var latencies: [UInt64]

        public var throughput: Double { Double(self.answered) / self.seconds }

        /// Latency at `percentile` (0…100), microseconds.
        public func latencyMicroseconds(at percentile: Double) -> Double {
            guard !self.latencies.isEmpty else { return 0 }
            let rank = min(self.latencies.count - 1, Int((percentile / 100 * Double(self.latencies.count)).rounded(.up)) - 1)
            return Double(self.latencies[max(rank, 0)]) / 1000
        }

        public var description: String {
            func format(_ value: Double) -> String { String(Int(value.rounded())) }
            let p50 = (self.latencyMicroseconds(at: 50) * 10).rounded() / 10
            let p99 = (self.latencyMicroseconds(at: 99) * 10).rounded() / 10
            let p999 = (self.latencyMicroseconds(at: 99.9) * 10).rounded() / 10
            let max = (self.latencyMicroseconds(at: 100) * 10).rounded() / 10
            return "answered \(self.answered) (errors \(self.errors)) in \((self.seconds * 1000).rounded() / 1000) s: "
                + "\(format(self.throughput)) decisions/s; latency µs p50 \(p50) p99 \(p99) p999 \(p999) max \(max)"
        }
    }

    public let plan: Plan

    public init(plan: Plan) {
        self.plan = plan
    }

    /// Runs the plan to completion.
    public func run(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> Report {
        let lines = self.plan.requestBodies.enumerated().map { index, body in
            Array(#"{"id":\#(index),"op":"evaluate","request":\#(body)}"#.utf8) + [UInt8(ascii: "\n")]
        }
        let perConnection = self.plan.requests / max(self.plan.connections, 1)
        let connectionRate = self.plan.rate.map { $0 / Double(self.plan.connections) }
        var channels: [any Channel] = []
        var results: [EventLoopFuture<LoadConnection.Result>] = []
        for index in 0..<self.plan.connections {
            let share = perConnection + (index < self.plan.requests % self.plan.connections ? 1 : 0)
            let promise = group.next().makePromise(of: LoadConnection.Result.self)
            let connection = LoadConnection(lines: lines, offset: index, total: share, depth: self.plan.depth,
                                            rate: connectionRate, done: promise)
            let channel = try await ClientBootstrap(group: promise.futureResult.eventLoop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(connection)
                    }
                }
                .connect(unixDomainSocketPath: self.plan.socketPath).get()
            channels.append(channel)
            results.append(promise.futureResult)
        }
        let start = LoadConnection.now()
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(LoadConnection.Start())
        }
        var report = Report(answered: 0, errors: 0, seconds: 0, latencies: [])
        report.latencies.reserveCapacity(self.plan.requests)
        for result in results {
            let value = try await result.get()
            report.answered += value.answered
            report.errors += value.errors
            report.latencies.append(contentsOf: value.latencies)
        }
        report.seconds = Double(LoadConnection.now() - start) / 1e9
        report.latencies.sort()
        for channel in channels { try? await channel.close() }
        return report
    }
}

/// One benchmark connection, driven entirely on its event loop.
final class LoadConnection: ChannelInboundHandler, @unchecked Sendable {
    // Confined to the channel's event loop after the handler is added.
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Start {}
    struct Result: Sendable {
        var answered: Int
        var errors: Int
        var latencies: [UInt64]
    }

    private let lines: [[UInt8]]
    private var next: Int
    private let total: Int
    private let depth: Int
    private let interval: UInt64?
    private let done: EventLoopPromise<Result>
    private var sent = 0
    private var answered = 0
    private var errors = 0
    private var sentAt: [UInt64]
    private var latencies: [UInt64] = []
    private var partial: [UInt8] = []
    private var nextSendAt: UInt64 = 0
    private var timer: RepeatedTask?
    private var finished = false

    init(lines: [[UInt8]], offset: Int, total: Int, depth: Int, rate: Double?, done: EventLoopPromise<Result>) {
        self.lines = lines
        self.next = offset % max(lines.count, 1)
        self.total = total
        self.depth = max(depth, 1)
        self.interval = rate.map { UInt64(1e9 / max($0, 1e-3)) }
        self.done = done
        self.sentAt = Array(repeating: 0, count: total)
        self.latencies.reserveCapacity(total)
    }

    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is Start else { return context.fireUserInboundEventTriggered(event) }
        if self.total == 0 { return self.finish() }
        self.nextSendAt = Self.now()
        if self.interval != nil {
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            self.timer = context.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .microseconds(200)) { _ in
                let (handler, context) = loopBound.value
                handler.send(context: context)
            }
        } else {
            self.send(context: context)
        }
    }

    /// Sends while the window (and the rate, if any) allows; one flush.
    private func send(context: ChannelHandlerContext) {
        guard self.sent < self.total else { return }
        var buffer = context.channel.allocator.buffer(capacity: 0)
        let now = Self.now()
        while self.sent < self.total, self.sent - self.answered < self.depth {
            if let interval = self.interval {
                guard self.nextSendAt <= now else { break }
                self.nextSendAt += interval
            }
            buffer.writeBytes(self.lines[self.next])
            self.next = (self.next + 1) % self.lines.count
            self.sentAt[self.sent] = now
            self.sent += 1
        }
        if buffer.readableBytes > 0 { context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = Self.unwrapInboundIn(data)
        let now = Self.now()
        buffer.withUnsafeReadableBytes { bytes in
            var start = 0
            for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
                let line = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                self.complete(line: line, now: now)
                start = index + 1
            }
            self.partial.append(contentsOf: bytes[start...])
        }
    }

    private func complete(line: UnsafeRawBufferPointer, now: UInt64) {
        // A line may have started in the previous read.
        let isDecision: Bool
        if self.partial.isEmpty {
            isDecision = Self.contains(line, "\"decision\":")
        } else {
            self.partial.append(contentsOf: line)
            isDecision = self.partial.withUnsafeBytes { Self.contains($0, "\"decision\":") }
            self.partial.removeAll(keepingCapacity: true)
        }
        if !isDecision { self.errors += 1 }
        guard self.answered < self.sent else { return }
        self.latencies.append(now &- self.sentAt[self.answered])
        self.answered += 1
    }

    private static func contains(_ bytes: UnsafeRawBufferPointer, _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        let pattern = UnsafeRawBufferPointer(start: needle.utf8Start, count: count)
        // Answers start with {"id":…, so the field sits near the front.
        for start in 0...(bytes.count - count) where bytes[start] == pattern[0] {
            if memcmp(bytes.baseAddress! + start, pattern.baseAddress!, count) == 0 { return true }
        }
        return false
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if self.answered == self.total { return self.finish() }
        if self.interval == nil { self.send(context: context) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.errors += self.sent - self.answered
        self.finish()
    }

    private func finish() {
        guard !self.finished else { return }
        self.finished = true
        self.timer?.cancel()
        self.timer = nil
        self.done.succeed(Result(answered: self.answered, errors: self.errors, latencies: self.latencies))
    }
}
