import ArgumentParser
import DecisionClient
import Foundation

/// `agate bench-server`: drives a running `agate serve` over its socket.
struct BenchServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-server",
        abstract: "Load-test a running `agate serve`: throughput and p50/p99/p999 latency."
    )

    @Option(name: .long, help: "The server's Unix socket.")
    var socket: String

    @Option(name: .long, help: "Concurrent connections.")
    var connections: Int = 1

    @Option(name: .long, help: "Requests in flight per connection (1: no pipelining).")
    var depth: Int = 1

    @Option(name: .long, help: "Total requests.")
    var requests: Int = 100_000

    @Option(name: .long, help: "JSONL file of request objects, sent in turn.")
    var requestFile: String

    @Option(name: .long, help: "Offer this many decisions per second in total, evenly spaced; latency then counts from when each request was due (default: as fast as possible).")
    var rate: Double?

    @Option(name: .long, help: "Run this many times and report each run and the median.")
    var runs: Int = 1

    func validate() throws {
        guard self.connections > 0, self.depth > 0, self.requests > 0, self.runs > 0 else {
            throw ValidationError("--connections, --depth, --requests and --runs must be positive")
        }
    }

    func run() async throws {
        let text: String
        do {
            text = try String(contentsOfFile: self.requestFile, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read `\(self.requestFile)`: \(error.localizedDescription)")
        }
        let bodies = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !bodies.isEmpty else { throw ValidationError("`\(self.requestFile)` holds no requests") }
        let plan = LoadGenerator.Plan(socketPath: self.socket, connections: self.connections, depth: self.depth,
                                      requests: self.requests, requestBodies: bodies, rate: self.rate)
        var reports: [LoadGenerator.Report] = []
        for index in 1...self.runs {
            let report = try await LoadGenerator(plan: plan).run()
            print("run \(index): \(report)")
            reports.append(report)
        }
        if self.runs > 1 { print(LoadGenerator.Report.medians(of: reports)) }
        if reports.contains(where: { $0.errors > 0 }) { throw ExitCode(1) }
    }
}
