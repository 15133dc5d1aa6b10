import Foundation
import Testing

/// Where the shared workload and the repository's own files are, found from this file.
enum WorkloadLocation {
    /// The package root (this file is `Tests/PolicyVMTests/…`).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `AGATE_WORKLOAD` when set, else `<package root>/../shared/workload` (a clone
    /// beside shared/), else `<package root>/../../shared/workload` (a worktree).
    static let workload: URL = {
        if let path = ProcessInfo.processInfo.environment["AGATE_WORKLOAD"] { return URL(fileURLWithPath: path) }
        let parent = packageRoot.deletingLastPathComponent()
        let candidates = [parent.appendingPathComponent("shared/workload"),
                          parent.deletingLastPathComponent().appendingPathComponent("shared/workload")]
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) } ?? candidates[0]
    }()

    static var isPresent: Bool {
        FileManager.default.fileExists(atPath: workload.appendingPathComponent("data/policies_N10.ir.json").path)
    }

    static func committedPolicies(_ n: Int) -> URL {
        packageRoot.appendingPathComponent("Tests/Workload/policies_N\(n).agate")
    }

    /// Runs a program and returns its standard output (standard error passes through).
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}

@Suite("Workload translation (tools/translate-workload.py)")
struct WorkloadTranslationTests {
    @Test(.enabled(if: WorkloadLocation.isPresent, "the shared workload is not at ../shared/workload"),
          arguments: [10, 100, 1000])
    func translatorReproducesTheCommittedSet(n: Int) throws {
        let tool = WorkloadLocation.packageRoot.appendingPathComponent("tools/translate-workload.py").path
        let ir = WorkloadLocation.workload.appendingPathComponent("data/policies_N\(n).ir.json").path
        let (status, output) = try WorkloadLocation.run("python3", [tool, ir])
        #expect(status == 0)
        let committed = try Data(contentsOf: WorkloadLocation.committedPolicies(n))
        #expect(output == committed, "Tests/Workload/policies_N\(n).agate is stale: rerun tools/translate-workload.py --all")
    }
}
