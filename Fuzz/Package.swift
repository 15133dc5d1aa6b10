// swift-tools-version: 6.2
import PackageDescription

// libFuzzer harnesses, in their own package so sanitizer flags never reach the
// main build. Build and run: see README.md.
let package = Package(
    name: "AgateFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Agate", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "FuzzFrontend",
            dependencies: [.product(name: "PolicyLanguage", package: "Agate")]
        ),
        .executableTarget(
            name: "FuzzDecoder",
            dependencies: [.product(name: "PolicyVM", package: "Agate")]
        ),
    ]
)
