// swift-tools-version: 6.2
// Agate's in-process benchmarks (ordo-one/benchmark): request decoding and
// decisions on the shared workload, with malloc counts per decision.
//
//   cd Benchmarks && swift package benchmark
//
// Whole-process comparisons with Cedar and Rego: Benchmarks/compare-peers.sh.
import PackageDescription

let package = Package(
    name: "AgateBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Agate", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // What both benchmarks share: the requests they decide, and the order.
        .target(
            name: "BenchmarkSupport",
            dependencies: [.product(name: "PolicyVM", package: "Agate")],
            path: "Benchmarks/BenchmarkSupport"
        ),
        // A plain loop over decode / decide for `perf record` and quick medians
        // without the benchmark harness: swift run -c release AgateHotLoop N.
        .executableTarget(
            name: "AgateHotLoop",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "PolicyLanguage", package: "Agate"), .product(name: "PolicyVM", package: "Agate"),
            ],
            path: "Benchmarks/AgateHotLoop"
        ),
        .executableTarget(
            name: "AgateEvaluation",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "PolicyLanguage", package: "Agate"),
                .product(name: "PolicyVM", package: "Agate"),
            ],
            path: "Benchmarks/AgateEvaluation",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
