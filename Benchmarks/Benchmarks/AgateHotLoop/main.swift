import BenchmarkSupport
import Foundation
import PolicyLanguage
import PolicyVM

// Times decode, decide and decode+decide over the workload requests of one N,
// 7 rounds of 100,000 requests each; prints the median ns per request of each.
//   swift run -c release AgateHotLoop 100 [decode|decide|decide-apart|both|all] [max-requests]

let arguments = CommandLine.arguments
let n = arguments.count > 1 ? Int(arguments[1]) ?? 100 : 100
let only = arguments.count > 2 ? arguments[2] : "all"
// A third argument caps the requests (e.g. for callgrind, where instruction
// counts stand in for time on a noisy machine).
let cap = arguments.count > 3 ? Int(arguments[3]) ?? Int.max : Int.max
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
let data = ProcessInfo.processInfo.environment["AGATE_WORKLOAD"].map { URL(fileURLWithPath: $0).appendingPathComponent("data") }
    ?? root.deletingLastPathComponent().appendingPathComponent("shared/workload/data")

// AGATE_REQUESTS names a plain JSONL file to read instead (valgrind cannot spawn gzip).
func readRequests() throws -> [UInt8] {
    if let plain = ProcessInfo.processInfo.environment["AGATE_REQUESTS"] {
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: plain)))
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-dc", data.appendingPathComponent("requests_N\(n).jsonl.gz").path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let bytes = [UInt8](pipe.fileHandleForReading.readDataToEndOfFile())
    process.waitUntilExit()
    return bytes
}
let bytes = try readRequests()
var ranges: [(Int, Int)] = []
var start = 0
for (i, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") && ranges.count < cap {
    ranges.append((start, i - start))
    start = i + 1
}

guard let checked = PolicyFrontend.load(paths: [root.appendingPathComponent("Tests/Workload/policies_N\(n).agate").path]).policySet
else { fatalError("the workload policies do not check") }
let policySet = try CompiledPolicySet.compile(checked)

nonisolated func now() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

@MainActor func median(_ name: String, _ body: () -> Int) {
    var samples: [Double] = []
    var sink = 0
    for _ in 0..<7 {
        let t0 = now()
        sink &+= body()
        samples.append(Double(now() - t0) / Double(ranges.count))
    }
    samples.sort()
    print("\(name) N=\(n): median \(Int(samples[3].rounded())) ns/request (min \(Int(samples[0].rounded())), max \(Int(samples[6].rounded()))) [\(sink & 1)]")
}

var evaluator = Evaluator(policySet)
bytes.withUnsafeBytes { all in
    if only == "all" || only == "decode" {
        median("decode") {
            var ok = 0
            for (offset, length) in ranges {
                if evaluator.decode(json: UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)]), now: 0) { ok += 1 }
            }
            return ok
        }
    }
    if only == "all" || only == "both" {
        median("decode+decide") {
            var allowed = 0
            for (offset, length) in ranges {
                if evaluator.decide(json: UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)]), now: 0) == .allow {
                    allowed += 1
                }
            }
            return allowed
        }
    }
}
if only == "all" || only == "decide" {
    // As a worker does: one evaluator decides 256 decoded requests, in
    // `DecideOrder`, as many times as there are requests.
    let requests = DecideOrder.decoded(sample: DecideOrder.sample(from: ranges.count), bytes: bytes, ranges: ranges,
                                       by: &evaluator, for: policySet)
    let order = DecideOrder.shuffled(count: ranges.count)
    // A function, not top-level code: a global `var` is checked for
    // exclusive access at every use, which would be timed with the decisions.
    func decideAll(_ evaluator: inout Evaluator) -> Int {
        var allowed = 0
        requests.withUnsafeBufferPointer { requests in
            order.withUnsafeBufferPointer { order in
                for i in order where evaluator.decideDecoded(requests[i]) == .allow { allowed += 1 }
            }
        }
        return allowed
    }
    withExtendedLifetime(requests) { median("decide") { decideAll(&evaluator) } }
}
if only == "all" || only == "decide-apart" {
    // As 256 connections do: each of 256 evaluators holds one decoded request
    // (and its own scratch), decided in `DecideOrder`.
    let sample = DecideOrder.sample(from: ranges.count)
    var evaluators = sample.map { _ in Evaluator(policySet) }
    bytes.withUnsafeBytes { all in
        for i in evaluators.indices {
            let (offset, length) = ranges[sample[i]]
            _ = evaluators[i].decode(json: UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)]), now: 0)
        }
    }
    let order = DecideOrder.shuffled(count: ranges.count)
    median("decide-apart") {
        var allowed = 0
        for i in 0..<ranges.count where evaluators[order[i]].decideDecoded() == .allow { allowed += 1 }
        return allowed
    }
}
