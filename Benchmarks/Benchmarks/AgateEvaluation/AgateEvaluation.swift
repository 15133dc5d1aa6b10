import Benchmark
import Foundation
import PolicyLanguage
import PolicyVM

// Each benchmark walks the 100,000 workload requests of one N in a ring; one
// scaled iteration = one request. Time metrics divide by the scaling factor, so
// the wall clock reads as ns per request; malloc counts read as per request.
//
// decode: the same requests against an empty policy set (decoding, the index
// lookup of nothing and the default decision — the fixed cost of a request).
// decide N: decode and decide against the N-policy set. Decide alone is the
// difference of the two, since the VM decodes straight into its frame.

let metrics: [BenchmarkMetric] = [.wallClock, .cpuTotal, .throughput, .mallocCountTotal, .retainCount, .releaseCount]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: metrics,
        warmupIterations: 2,
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 1000
    )

    let empty = Workload.policySet(source: "policyset \"empty\"\ndefault deny\n")
    Benchmark("decode (empty policy set), N=100 requests") { benchmark in
        Workload.run(benchmark, policySet: empty, requests: Workload.requests(100))
    }
    for n in [10, 100, 1000] {
        let policySet = Workload.policySet(n: n)
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
        var evaluator = Evaluator(policySet)
        var next = 0
        requests.bytes.withUnsafeBytes { all in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let (offset, length) = requests.ranges[next]
                next = next + 1 == requests.ranges.count ? 0 : next + 1
                blackHole(evaluator.decide(json: UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)]),
                                           now: 0))
            }
            benchmark.stopMeasurement()
        }
    }
}
