// swift-tools-version: 6.2
import PackageDescription

// libFuzzer harnesses, in their own package so sanitizer flags never reach the
// main build. Build and run: see README.md.
let package = Package(
    name: "AgateFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Agate", path: ".."),
        // The versions the root package pins; FuzzProtocol drives the server's pipeline with them.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .target(name: "FuzzPolicies"),
        .executableTarget(
            name: "FuzzFrontend",
            dependencies: [.product(name: "PolicyLanguage", package: "Agate")]
        ),
        .executableTarget(
            name: "FuzzDecoder",
            dependencies: ["FuzzPolicies", .product(name: "PolicyVM", package: "Agate")]
        ),
        .executableTarget(
            name: "FuzzProtocol",
            dependencies: [
                "FuzzPolicies",
                .product(name: "DecisionServer", package: "Agate"),
                .product(name: "PolicyVM", package: "Agate"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
