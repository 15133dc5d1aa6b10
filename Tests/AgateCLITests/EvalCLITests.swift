import Foundation
import Testing

/// Runs the built `agate` binary with bytes on standard input.
private enum EvalProcess {
    static let binary: URL? = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("agate"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug/agate"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], stdin: Data = Data()) throws -> Output {
        let process = Process()
        guard let binary else { throw CocoaError(.fileNoSuchFile) }
        process.executableURL = binary
        process.arguments = arguments
        let input = Pipe(), out = Pipe(), err = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Feed stdin from another thread so a large input cannot deadlock against a full output pipe.
        let writer = Thread { AgateBinary.feed(stdin, to: input.fileHandleForWriting) }
        writer.start()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func folder(_ files: [String: String]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("agate-eval-\(UUID().uuidString)")
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        return root.path
    }
}

@Suite("agate eval / test / disasm")
struct EvalCLITests {
    static let policies = """
        policy agents_read {
          description "agents may read"
          target subject.kind == agent
          when all s in scopes: s like "*.Read"
          allow { token_lifetime 15m }
        }
        policy block_high_risk {
          description "high risk is denied"
          when risk.level == high
          deny "risk is high"
        }

        """
    static let allowed = #"{"subject":{"id":"a","kind":"agent"},"audience":"x","scopes":["R.Read"],"location":{"ip":"10.0.0.1"},"time":"2026-11-23T12:00:00Z"}"#
    static let risky = #"{"subject":{"id":"a","kind":"agent"},"audience":"x","location":{"ip":"10.0.0.1"},"risk":{"level":"high"},"time":"2026-11-23T12:00:00Z"}"#

    func policyFolder() throws -> String { try EvalProcess.folder(["p.agate": Self.policies]) }

    @Test func decidesAJSONLStreamOneAnswerPerLine() throws {
        let dir = try policyFolder()
        let input = Self.allowed + "\n\n" + Self.risky + "\n"
        let result = try EvalProcess.run(["eval", "--policies", dir], stdin: Data(input.utf8))
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix(#"{"decision":"allow","policies":["agents_read"],"controls":{"token_lifetime_s":900"#) == true)
        #expect(lines.last?.hasPrefix(#"{"decision":"deny","policies":["block_high_risk"]"#) == true)
    }

    @Test func exitCodeTwoOnDenyWhenAsked() throws {
        let dir = try policyFolder()
        #expect(try EvalProcess.run(["eval", "--policies", dir, "--exit-code"], stdin: Data(Self.risky.utf8)).status == 2)
        #expect(try EvalProcess.run(["eval", "--policies", dir, "--exit-code"], stdin: Data(Self.allowed.utf8)).status == 0)
        #expect(try EvalProcess.run(["eval", "--policies", dir], stdin: Data(Self.risky.utf8)).status == 0)
    }

    @Test func readsAPrettyPrintedRequestFile() throws {
        let dir = try EvalProcess.folder(["p.agate": Self.policies,
                                          "req.json": "{\n  \"subject\": {\"id\": \"a\", \"kind\": \"agent\"},\n  \"audience\": \"x\",\n  \"location\": {\"ip\": \"10.0.0.1\"}\n}\n"])
        let result = try EvalProcess.run(["eval", "--policies", dir + "/p.agate", "--request", dir + "/req.json"])
        #expect(result.status == 0)
        #expect(result.stdout.split(separator: "\n").count == 1)
        #expect(result.stdout.hasPrefix(#"{"decision":"allow""#))
    }

    @Test func mixesOneLineAndPrettyPrintedRequests() throws {
        // One-line requests take the memchr fast path; a request spread over
        // lines goes through the brace scanner; order is kept across both.
        let dir = try policyFolder()
        let pretty = "{\n  \"subject\": {\"id\": \"a\", \"kind\": \"agent\"},\n  \"audience\": \"x\",\n  \"location\": {\"ip\": \"10.0.0.1\"}\n}"
        let input = Self.allowed + "\n" + pretty + "\n" + Self.risky + "\n"
        let result = try EvalProcess.run(["eval", "--policies", dir], stdin: Data(input.utf8))
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.first?.hasPrefix(#"{"decision":"allow","policies":["agents_read"]"#) == true)
        #expect(lines.dropFirst().first?.hasPrefix(#"{"decision":"allow""#) == true)
        #expect(lines.last?.hasPrefix(#"{"decision":"deny","policies":["block_high_risk"]"#) == true)
    }

    @Test func nowFlagSetsTheClock() throws {
        let dir = try EvalProcess.folder(["p.agate": "policy night {\n  description \"d\"\n  when time.hour == 3\n  allow\n}\n"])
        let request = #"{"subject":{"id":"a","kind":"agent"},"audience":"x","location":{"ip":"10.0.0.1"}}"#
        let at3 = try EvalProcess.run(["eval", "--policies", dir, "--now", "2026-11-23T03:10:00Z"], stdin: Data(request.utf8))
        #expect(at3.stdout.hasPrefix(#"{"decision":"allow""#))
        let at4 = try EvalProcess.run(["eval", "--policies", dir, "--now", "2026-11-23T04:10:00Z"], stdin: Data(request.utf8))
        #expect(at4.stdout.hasPrefix(#"{"decision":"deny""#))
    }

    @Test func explainListsCandidatePoliciesAndTheirTests() throws {
        let dir = try policyFolder()
        let result = try EvalProcess.run(["eval", "--policies", dir, "--explain"], stdin: Data(Self.risky.utf8))
        #expect(result.status == 0)
        #expect(result.stdout.contains("# policy block_high_risk"))
        #expect(result.stdout.contains("matched"))
        #expect(result.stdout.contains("risk.level == high"))
        #expect(result.stdout.contains("p.agate:9:"))
    }

    @Test func policyLoadFailureExitsOne() throws {
        let dir = try EvalProcess.folder(["p.agate": "policy {\n"])
        let result = try EvalProcess.run(["eval", "--policies", dir], stdin: Data(Self.allowed.utf8))
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(!result.stderr.isEmpty)
    }

    @Test func tenMegabytesOfGarbageGiveErrorsNotACrash() throws {
        let dir = try policyFolder()
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 10 << 20)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &generator) }
        let result = try EvalProcess.run(["eval", "--policies", dir], stdin: Data(bytes))
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count > 1000)
        #expect(lines.allSatisfy { $0.hasPrefix(#"{"decision":"deny","policies":[],"controls":null,"reasons":["the request is invalid"]"#) })
        #expect(result.stdout.contains(#""code":"invalid_request""#))
    }

    @Test func disasmListsCodeAndIndex() throws {
        let dir = try policyFolder()
        let result = try EvalProcess.run(["disasm", "--policies", dir])
        #expect(result.status == 0)
        #expect(result.stdout.contains("policy 0 agents_read (enforce, allow)"))
        #expect(result.stdout.contains("QLIKE    all, scopes, G0"))
        #expect(result.stdout.contains("risk.level == high: block_high_risk"))
        #expect(result.stdout.contains("index:"))
    }

    @Test func testCommandPassesAndFails() throws {
        let passing = """
            {"policies": ".", "cases": [
              {"name": "reads are allowed", "request": \(Self.allowed), "expect": {"decision": "allow", "policies": ["agents_read"]}},
              {"name": "high risk is denied", "request": \(Self.risky), "expect": {"decision": "deny", "reasons": ["risk is high"]}}
            ]}
            """
        let dir = try EvalProcess.folder(["p.agate": Self.policies, "p.test.json": passing])
        let ok = try EvalProcess.run(["test", dir])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.contains("2 passed, 0 failed"))
        let failing = passing.replacingOccurrences(of: #""decision": "allow""#, with: #""decision": "deny""#)
        let bad = try EvalProcess.folder(["p.agate": Self.policies, "p.test.json": failing])
        let result = try EvalProcess.run(["test", bad])
        #expect(result.status == 1)
        #expect(result.stdout.contains("✗ reads are allowed"))
        #expect(result.stdout.contains("expected \"deny\""))
        #expect(result.stdout.contains("got      \"allow\""))
        let broken = try EvalProcess.folder(["p.agate": Self.policies, "p.test.json": "{"])
        #expect(try EvalProcess.run(["test", broken]).status == 2)
    }
}
