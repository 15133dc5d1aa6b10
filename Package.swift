// swift-tools-version: 6.2
import PackageDescription

// Warnings are errors for Agate's own targets; dependencies build as they are.
let strict: [SwiftSetting] = [.treatAllWarnings(as: .error)]

let package = Package(
    name: "Agate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "agate", targets: ["agate"]),
        .library(name: "PolicyLanguage", targets: ["PolicyLanguage"]),
        .library(name: "PolicyVM", targets: ["PolicyVM"]),
        .library(name: "DecisionClient", targets: ["DecisionClient"]),
        .library(name: "DecisionServer", targets: ["DecisionServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CPCRE2",
            pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "PolicyLanguage",
            dependencies: ["CPCRE2"],
            swiftSettings: strict
        ),
        .target(
            name: "PolicyVM",
            dependencies: [
                "PolicyLanguage", "CPCRE2",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DecisionServer",
            dependencies: [
                "PolicyLanguage", "PolicyVM", "Identity", "Tokens",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DecisionClient",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Replay",
            dependencies: ["PolicyLanguage", "PolicyVM", "CZlib"],
            swiftSettings: strict
        ),
        .target(
            name: "Identity",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        .target(
            name: "Tokens",
            dependencies: [
                "Identity", "PolicyVM",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "agate",
            dependencies: [
                "PolicyLanguage", "PolicyVM", "DecisionServer", "DecisionClient",
                "Replay", "Identity", "Tokens",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "PolicyLanguageTests", dependencies: ["PolicyLanguage"], swiftSettings: strict),
        // SeededRandom, shared by the test targets that generate cases.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "PolicyVMTests", dependencies: ["PolicyLanguage", "PolicyVM", "TestSupport"],
                    swiftSettings: strict),
        .testTarget(
            name: "DecisionServerTests",
            dependencies: [
                "DecisionServer", "DecisionClient", "PolicyVM",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "ReplayTests", dependencies: ["Replay", "PolicyVM", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "IdentityTests", dependencies: ["Identity"], swiftSettings: strict),
        .testTarget(name: "TokensTests", dependencies: ["Tokens", "Identity"], swiftSettings: strict),
        .testTarget(
            name: "AgateCLITests",
            dependencies: ["DecisionClient", "PolicyVM", .product(name: "JWTKit", package: "jwt-kit")],
            swiftSettings: strict
        ),
    ]
)
