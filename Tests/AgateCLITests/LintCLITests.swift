import Foundation
import Testing

/// Runs the built `agate` binary (a product of this package, built by `swift test`).
struct AgateProcess {
    static let binary: URL? = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("agate"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug/agate"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    struct MissingBinary: Error, CustomStringConvertible {
        var description: String { "agate binary not found next to the tests or in .build/debug" }
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], environment: [String: String] = [:], in directory: String? = nil) throws -> Output {
        let process = Process()
        guard let binary else { throw MissingBinary() }
        process.executableURL = binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NO_COLOR")
        env.merge(environment) { $1 }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting so a large output cannot fill the pipe and deadlock.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}

func temporaryPolicies(_ files: [String: String]) throws -> String {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("agate-lint-\(UUID().uuidString)")
    for (path, text) in files {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }
    return root.path
}

@Suite("agate lint")
struct LintCLITests {
    static let clean = "policy a {\n  description \"d\"\n  when risk.level == high\n  deny \"risky\"\n}\n"
    static let warning = "let unused = 1h\n" + clean
    static let broken = "policy a {\n  when subjet.kind == agent\n  deny \"x\"\n}\n"

    @Test func cleanExitsZero() throws {
        let dir = try temporaryPolicies(["a.agate": Self.clean])
        let out = try AgateProcess.run(["lint", dir])
        #expect(out.status == 0)
        #expect(out.stdout.hasSuffix("ok: no problems in 1 file\n"))
    }

    @Test func errorsExitOne() throws {
        let dir = try temporaryPolicies(["a.agate": Self.broken])
        let out = try AgateProcess.run(["lint", dir + "/a.agate"])
        #expect(out.status == 1)
        #expect(out.stdout.contains("error[E0203]: unknown signal `subjet.kind`"))
        #expect(out.stdout.contains("error: 1 error in 1 file"))
    }

    @Test func warningsFailOnlyWithStrict() throws {
        let dir = try temporaryPolicies(["a.agate": Self.warning])
        #expect(try AgateProcess.run(["lint", dir]).status == 0)
        #expect(try AgateProcess.run(["lint", "--strict", dir]).status == 1)
    }

    @Test func missingPathExitsTwo() throws {
        let out = try AgateProcess.run(["lint", "/nonexistent/agate/policies"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("cannot read `/nonexistent/agate/policies`"))
    }

    @Test func unreadableFileExitsTwo() throws {
        let dir = try temporaryPolicies(["a.agate": Self.clean])
        chmod(dir + "/a.agate", 0)
        defer { chmod(dir + "/a.agate", 0o644) }
        // Root can read anything; only assert when the file really is unreadable.
        guard !FileManager.default.isReadableFile(atPath: dir + "/a.agate") else { return }
        #expect(try AgateProcess.run(["lint", dir]).status == 2)
    }

    @Test func badUsageExitsTwo() throws {
        #expect(try AgateProcess.run(["lint", "--format", "xml"]).status == 2)
    }

    @Test func defaultPathIsPoliciesFolder() throws {
        let dir = try temporaryPolicies(["policies/a.agate": Self.broken])
        let out = try AgateProcess.run(["lint"], in: dir)
        #expect(out.status == 1)
        #expect(out.stdout.contains("--> policies/a.agate:2:8"))
    }

    @Test func jsonParses() throws {
        let dir = try temporaryPolicies(["a.agate": Self.broken])
        let out = try AgateProcess.run(["lint", "--format", "json", dir])
        #expect(out.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect(object["version"] as? Int == 1)
        #expect(((object["diagnostics"] as? [[String: Any]])?.first)?["id"] as? String == "E0203")
    }

    @Test func sarifParses() throws {
        let dir = try temporaryPolicies(["a.agate": Self.broken])
        let out = try AgateProcess.run(["lint", "--format", "sarif", dir])
        #expect(out.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect(object["version"] as? String == "2.1.0")
    }

    @Test func githubFormat() throws {
        let dir = try temporaryPolicies(["a.agate": Self.broken])
        let out = try AgateProcess.run(["lint", "--format", "github", dir])
        #expect(out.status == 1)
        #expect(out.stdout.hasPrefix("::error file="))
        #expect(out.stdout.contains(",line=2,col=8,endLine=2,endColumn=18,title=E0203::unknown signal"))
    }

    @Test func colourRespectsFlagAndNoColor() throws {
        let dir = try temporaryPolicies(["a.agate": Self.broken])
        #expect(try AgateProcess.run(["lint", "--color", "always", dir]).stdout.contains("\u{1B}["))
        // Not a terminal: auto means no colour, with or without NO_COLOR.
        #expect(try !AgateProcess.run(["lint", dir]).stdout.contains("\u{1B}["))
        #expect(try !AgateProcess.run(["lint", dir], environment: ["NO_COLOR": "1"]).stdout.contains("\u{1B}["))
        #expect(try !AgateProcess.run(["lint", "--color", "never", dir]).stdout.contains("\u{1B}["))
    }

    @Test func tenThousandErrorsAreCapped() throws {
        let text = (0..<10_000).map { "policy p\($0) { when nope deny \"x\" }" }.joined(separator: "\n")
        let dir = try temporaryPolicies(["a.agate": text])
        let out = try AgateProcess.run(["lint", "--max-diagnostics", "20", dir])
        #expect(out.status == 1)
        #expect(out.stdout.components(separatedBy: "error[E0201]").count - 1 == 20)
        #expect(out.stdout.contains("… 9980 more not shown"))
        #expect(out.stdout.contains("error: 10000 errors in 1 file"))
    }

    @Test func explainPrintsTheSummary() throws {
        let out = try AgateProcess.run(["lint", "--explain", "E0203"])
        #expect(out.status == 0)
        #expect(out.stdout.contains("E0203 (error, unknown-signal): a dotted name is not a known request signal"))
        #expect(try AgateProcess.run(["lint", "--explain", "E9999"]).status == 2)
    }

    @Test func bundledPoliciesAreStrictClean() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let out = try AgateProcess.run(["lint", "--strict", "policies/"], in: root)
        #expect(out.status == 0, "\(out.stdout)")
    }
}
