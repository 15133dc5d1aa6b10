import Foundation
import Testing

/// `agate serve --demo`: the README's main-job command, in a fresh working directory.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ServeIdentityDemoTests {
    static let bundledPolicies = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("policies").path

    @Test func demoAnswersItsPrintedCommandsAndStopsOnSIGTERM() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let process = Process()
        process.executableURL = try AgateBinary.executable()
        process.arguments = ["serve", "--demo", "--policies", Self.bundledPolicies]
        process.currentDirectoryURL = URL(fileURLWithPath: directory.path)
        process.standardInput = FileHandle.nullDevice
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let server = AgateBinary.Running(process: process, stdout: stdout, stderr: stderr)
        try process.run()
        defer { server.kill() }
        let client = try ServeIdentityTests.connect(directory.file("agate.sock"), server: server)
        defer { client.close() }

        // The banner's socat lines, as a user would paste them.
        let deadline = Date().addingTimeInterval(10)
        while !server.stderrText.contains("keys jwks"), Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        let lines = server.stderrText.split(separator: "\n").map(String.init)
        let payloads = lines.filter { $0.hasPrefix("echo '") }.map { line -> String in
            let body = line.dropFirst("echo '".count)
            return String(body[..<body.range(of: "' | socat - UNIX-CONNECT:")!.lowerBound])
        }
        try #require(payloads.count == 4, "banner: \(server.stderrText)")
        #expect(lines.contains { $0.hasSuffix("| socat - UNIX-CONNECT:./agate.sock") })

        client.send(payloads[0] + "\n" + payloads[1] + "\n" + payloads[2] + "\n")
        let answers = client.readLines(3).map(IdentityCLI.json)
        try #require(answers.count == 3)
        #expect(answers[0]["decision"] as? String == "allow")
        #expect((answers[0]["policies"] as? [String])?.contains("reporting_agents_read_reports") == true)
        #expect(answers[1]["decision"] as? String == "deny")
        #expect(answers[2]["status"] as? String == "ok")

        // The token recipe: the printed assertion command, then the token line.
        let assertionLine = try #require(lines.first { $0.hasPrefix("ASSERTION=\"$(") })
        let command = String(assertionLine.dropFirst("ASSERTION=\"$(".count).dropLast(2))
        let arguments = command.split(separator: " ").dropFirst().map(String.init)
        let assertion = try IdentityCLI.run(arguments, in: directory.path).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        client.send(payloads[3].replacingOccurrences(of: #"'"$ASSERTION"'"#, with: assertion) + "\n")
        let token = IdentityCLI.json(client.readLines(1).first ?? "")
        #expect(token["token_type"] as? String == "Bearer", "\(token)")
        #expect(token["scope"] as? String == "Reports.Read")

        server.signal(SIGTERM)
        #expect(server.waitForExit(timeout: 15) == 0)
        #expect(!FileManager.default.fileExists(atPath: directory.file("agate.sock")))
        let log = try String(contentsOfFile: directory.file("agate-decisions.jsonl"), encoding: .utf8)
        #expect(log.split(separator: "\n").count == 3)
        #expect(FileManager.default.fileExists(atPath: directory.file(".agate-demo/identities.db")))
    }
}
