import Benchmark
import BenchmarkSupport
import Foundation
import PolicyLanguage
import PolicyVM

// One scaled iteration = one request, so time metrics read as ns per request
// and malloc counts as mallocs per request. For each N:
//
// - decode: the workload's requests, in a ring, decoded into the frame of an
//   evaluator for the N-policy set (strings interned against its symbols);
// - decide: 256 requests decoded beforehand (so their frames are not all
//   cache-hot), then decided by one evaluator, as a worker's, in
//   `DecideOrder` (repeating after 65,536 decisions): index lookup, VM,
//   combinator, with no JSON in the loop;
// - decode+decide: what `agate eval` and the server do per request.
//
// (Retain/release counting is left out: with it on, package-benchmark 1.38.1
// crashes in its own executor on this machine.)

let metrics: [BenchmarkMetric] = [.wallClock, .cpuTotal, .throughput, .mallocCountTotal]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: metrics,
        warmupIterations: 2,
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 1000
    )

    for n in [10, 100, 1000] {
        let policySet = Workload.policySet(n: n)
        Benchmark("decode N=\(n)") { benchmark in
            Workload.decode(benchmark, policySet: policySet, requests: Workload.requests(n))
        }
        Benchmark("decide N=\(n)") { benchmark in
            Workload.decide(benchmark, policySet: policySet, requests: Workload.requests(n))
        }
        Benchmark("decode+decide N=\(n)") { benchmark in
            Workload.run(benchmark, policySet: policySet, requests: Workload.requests(n))
        }
    }
}

/// The shared workload, read once per process.
enum Workload {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var data: URL {
        if let path = ProcessInfo.processInfo.environment["AGATE_WORKLOAD"] {
            return URL(fileURLWithPath: path).appendingPathComponent("data")
        }
        return root.deletingLastPathComponent().appendingPathComponent("shared/workload/data")
    }

    /// The requests as one contiguous buffer plus (offset, length) per request,
    /// so walking them touches no array of arrays.
    struct Requests: Sendable {
        var bytes: [UInt8]
        var ranges: [(Int, Int)]
    }

    static func requests(_ n: Int) -> Requests {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc", data.appendingPathComponent("requests_N\(n).jsonl.gz").path]
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch { fatalError("cannot run gzip: \(error)") }
        let bytes = [UInt8](pipe.fileHandleForReading.readDataToEndOfFile())
        process.waitUntilExit()
        var ranges: [(Int, Int)] = []
        var start = 0
        for (i, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            if i > start { ranges.append((start, i - start)) }
            start = i + 1
        }
        precondition(ranges.count >= 100_000, "the workload at \(data.path) is missing")
        return Requests(bytes: bytes, ranges: ranges)
    }

    static func policySet(n: Int) -> CompiledPolicySet {
        let path = root.appendingPathComponent("Tests/Workload/policies_N\(n).agate").path
        guard let checked = PolicyFrontend.load(paths: [path]).policySet else { fatalError("\(path) does not check") }
        return compile(checked)
    }

    static func policySet(source: String) -> CompiledPolicySet {
        guard let checked = PolicyFrontend.check(source).policySet else { fatalError("benchmark set does not check") }
        return compile(checked)
    }

    private static func compile(_ checked: CheckedPolicySet) -> CompiledPolicySet {
        do { return try CompiledPolicySet.compile(checked) } catch { fatalError("compile: \(error)") }
    }

    static func run(_ benchmark: Benchmark, policySet: CompiledPolicySet, requests: Requests) {
        ring(benchmark, policySet, requests) { blackHole($0.decide(json: $1, now: 0)) }
    }

    static func decode(_ benchmark: Benchmark, policySet: CompiledPolicySet, requests: Requests) {
        ring(benchmark, policySet, requests) { blackHole($0.decode(json: $1, now: 0)) }
    }

    /// One evaluator walks the requests in a ring, one request per scaled iteration.
    @inline(__always)
    private static func ring(_ benchmark: Benchmark, _ policySet: CompiledPolicySet, _ requests: Requests,
                             _ step: (inout Evaluator, UnsafeRawBufferPointer) -> Void) {
        var evaluator = Evaluator(policySet)
        var next = 0
        requests.bytes.withUnsafeBytes { all in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let (offset, length) = requests.ranges[next]
                next = next + 1 == requests.ranges.count ? 0 : next + 1
                step(&evaluator, UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)]))
            }
            benchmark.stopMeasurement()
        }
    }

    /// As a worker does: one evaluator decides 256 decoded requests in `DecideOrder`.
    static func decide(_ benchmark: Benchmark, policySet: CompiledPolicySet, requests: Requests) {
        var evaluator = Evaluator(policySet)
        let decoded = DecideOrder.decoded(sample: DecideOrder.sample(from: requests.ranges.count), bytes: requests.bytes,
                                          ranges: requests.ranges, by: &evaluator, for: policySet)
        let order = DecideOrder.shuffled(count: 1 << 16)
        var next = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(evaluator.decideDecoded(decoded[order[next]]))
            next = (next + 1) & 0xFFFF
        }
        benchmark.stopMeasurement()
    }
}
