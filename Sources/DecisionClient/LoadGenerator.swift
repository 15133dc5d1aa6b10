import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A load generator for `agate serve`: C connections, each keeping up to D
/// requests in flight, over the real socket. Used by `agate bench-server`.
///
/// One thread drives every connection with `ppoll` over raw non-blocking
/// sockets: on a machine shared with the server, an event-loop group of its
/// own would take cores the server needs.
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
        /// Under `--rate`, sorted: how late the generator queued each request, nanoseconds.
        var sendLags: [UInt64]
        /// The machine's scheduling stalls during the run (see ``StallProbe``).
        var stalls: StallProbe.Summary

        public var throughput: Double { Double(self.answered) / self.seconds }

        /// Latency at `percentile` (0…100), microseconds.
        public func latencyMicroseconds(at percentile: Double) -> Double {
            Self.microseconds(self.latencies, at: percentile)
        }

        /// Under `--rate`, how late the generator queued requests at `percentile`, microseconds (nil without a rate).
        public func sendLagMicroseconds(at percentile: Double) -> Double? {
            self.sendLags.isEmpty ? nil : Self.microseconds(self.sendLags, at: percentile)
        }

        /// Wake-ups of an idle thread late by more than a millisecond during the run.
        public var stallCount: Int { self.stalls.stalls }
        /// The latest such wake-up, microseconds.
        public var longestStallMicroseconds: Double { Double(self.stalls.longest) / 1000 }

        private static func microseconds(_ sorted: [UInt64], at percentile: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let rank = min(sorted.count - 1, Int((percentile / 100 * Double(sorted.count)).rounded(.up)) - 1)
            return Double(sorted[max(rank, 0)]) / 1000
        }

        public var description: String {
            "answered \(self.answered) (errors \(self.errors)) in \((self.seconds * 1000).rounded() / 1000) s: "
                + Self.figures(throughput: self.throughput, latency: { self.latencyMicroseconds(at: $0) },
                               sendLag: { self.sendLagMicroseconds(at: $0) },
                               stalls: self.stallCount, longestStall: self.longestStallMicroseconds)
        }

        /// Each figure's median over `reports` (not the figures of one median run:
        /// under `--rate` every run has the same throughput, and p99 varies on its own).
        public static func medians(of reports: [Report]) -> String {
            func median(_ values: [Double]) -> Double {
                let sorted = values.sorted()
                return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
            }
            return "median of \(reports.count) runs: "
                + Self.figures(throughput: median(reports.map(\.throughput)),
                               latency: { percentile in median(reports.map { $0.latencyMicroseconds(at: percentile) }) },
                               sendLag: { percentile in
                                   let lags = reports.compactMap { $0.sendLagMicroseconds(at: percentile) }
                                   return lags.count == reports.count ? median(lags) : nil
                               },
                               stalls: Int(median(reports.map { Double($0.stallCount) })),
                               longestStall: median(reports.map(\.longestStallMicroseconds)))
        }

        private static func figures(
            throughput: Double, latency: (Double) -> Double, sendLag: (Double) -> Double?, stalls: Int, longestStall: Double
        ) -> String {
            func µs(_ value: Double) -> String { String((value * 10).rounded() / 10) }
            var text = "\(Int(throughput.rounded())) decisions/s; latency µs p50 \(µs(latency(50))) p99 \(µs(latency(99))) "
                + "p999 \(µs(latency(99.9))) max \(µs(latency(100)))"
            if let p50 = sendLag(50), let p99 = sendLag(99) { text += "; sent late µs p50 \(µs(p50)) p99 \(µs(p99))" }
            text += "; machine stalls over 1 ms: \(stalls) (longest \(µs(longestStall)) µs)"
            return text
        }
    }

    public let plan: Plan

    public init(plan: Plan) {
        self.plan = plan
    }

    /// Runs the plan to completion on a dedicated thread (see ``LoadConnection``).
    public func run() async throws -> Report {
        let plan = self.plan
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try Self.drive(plan) }) }
            thread.name = "agate-bench"
            thread.start()
        }
    }

    private static func drive(_ plan: Plan) throws -> Report {
        guard let ppoll = PPoll.function else { throw LoadError(message: "ppoll(2) is not available") }
        let lines = plan.requestBodies.enumerated().map { index, body in
            Array(#"{"id":\#(index),"op":"evaluate","request":\#(body)}"#.utf8) + [UInt8(ascii: "\n")]
        }
        let ids = plan.requestBodies.indices.map { Array(String($0).utf8) }
        let count = max(plan.connections, 1)
        let perConnection = plan.requests / count
        let connectionRate = plan.rate.map { $0 / Double(count) }
        var connections: [LoadConnection] = []
        defer { for connection in connections { close(connection.descriptor) } }
        for index in 0..<count {
            let share = perConnection + (index < plan.requests % count ? 1 : 0)
            let descriptor = try Self.connect(plan.socketPath)
            connections.append(LoadConnection(descriptor: descriptor, lines: lines, ids: ids, offset: index, total: share,
                                              depth: plan.depth, rate: connectionRate))
        }
        var polls = connections.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 16)
        defer { buffer.deallocate() }
        let probe = StallProbe()
        defer { probe.stop() }
        let start = Self.now()
        for index in connections.indices {
            connections[index].start(now: start, index: index, count: connections.count)
            connections[index].send(now: start)
        }
        var remaining = connections.count(where: { !$0.done })
        while remaining > 0 {
            var due: UInt64?
            for index in connections.indices {
                polls[index].events = Int16(POLLIN) | (connections[index].wantsWrite ? Int16(POLLOUT) : 0)
                if connections[index].done { polls[index].events = 0 }
                if let next = connections[index].nextDue { due = min(due ?? next, next) }
            }
            // Under --rate, sleep until the next request is due or an answer
            // arrives, whichever is first; without, until an answer arrives.
            var timeout = timespec(tv_sec: 1, tv_nsec: 0)
            if let due {
                let current = Self.now()
                timeout.tv_sec = 0
                timeout.tv_nsec = due > current ? Int(min(due - current, 100_000_000)) : 0
            }
            let ready = ppoll(&polls, nfds_t(polls.count), &timeout, nil)
            if ready < 0 && errno != EINTR { throw LoadError(message: "poll failed: \(String(cString: strerror(errno)))") }
            let now = Self.now()
            for index in connections.indices where !connections[index].done {
                let events = polls[index].revents
                if events & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                    connections[index].receive(into: buffer, now: now)
                }
                if events & Int16(POLLOUT) != 0 { connections[index].flush() }
                if !connections[index].done { connections[index].send(now: now) }
                if connections[index].done { remaining -= 1 }
            }
        }
        let seconds = Double(Self.now() - start) / 1e9
        var report = Report(answered: 0, errors: 0, seconds: seconds, latencies: [], sendLags: [], stalls: probe.stop())
        report.latencies.reserveCapacity(plan.requests)
        for connection in connections {
            report.answered += connection.answered
            report.errors += connection.errors
            report.latencies.append(contentsOf: connection.latencies)
            report.sendLags.append(contentsOf: connection.sendLags)
        }
        report.latencies.sort()
        report.sendLags.sort()
        return report
    }

    /// A connected, non-blocking Unix stream socket.
    private static func connect(_ path: String) throws -> CInt {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw LoadError(message: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(descriptor)
            throw LoadError(message: "socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let message = String(cString: strerror(errno))
            close(descriptor)
            throw LoadError(message: "cannot connect to \(path): \(message)")
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        return descriptor
    }

    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}

/// `ppoll(2)`, looked up at run time: Glibc's Swift module hides it (it is a
/// GNU extension), and `poll`'s millisecond timeout is too coarse for `--rate`.
private enum PPoll {
    typealias Function = @convention(c) (UnsafeMutablePointer<pollfd>?, nfds_t, UnsafePointer<timespec>?, UnsafeRawPointer?) -> Int32

    static var function: Function? {
        // RTLD_DEFAULT is a null handle in glibc.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "ppoll") else { return nil }
        return unsafeBitCast(symbol, to: Function.self)
    }
}

/// The load generator could not reach or talk to the server.
public struct LoadError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { self.message }
}
