import Foundation
import Testing

/// Runs the built `agate` binary for the identity and token tests.
enum IdentityCLI {
    /// Runs `agate` in `directory` and records an issue unless it exits with `status`.
    @discardableResult
    static func expect(_ arguments: [String], in directory: String, status: Int32 = 0,
                       sourceLocation: SourceLocation = #_sourceLocation) throws -> Output {
        let output = try run(arguments, in: directory)
        #expect(output.status == status, "agate \(arguments.joined(separator: " ")): \(output.stderr)",
                sourceLocation: sourceLocation)
        return output
    }

    static let binary: String? = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("agate"),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/debug/agate"),
        ]
        return candidates.map(\.path).first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    struct MissingBinary: Error {}

    static func run(_ arguments: [String], in directory: String) throws -> Output {
        guard let binary else { throw MissingBinary() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func workspace() throws -> String {
        let path = NSTemporaryDirectory() + "agate-identity-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }
}

@Suite("agate identity / keys / token")
struct IdentityCLITests {
    static let policy = """
        policyset "cli-tokens"
        default deny

        policy finance_reads {
          target subject.blueprint == "finance-reporting"
          allow {
            token_lifetime 15m
            scopes ["Reports.Read"]
          }
        }
        """

    @Test func createRegisterIssueDisableDenyAudit() throws {
        let dir = try IdentityCLI.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.policy.write(toFile: dir + "/policy.agate", atomically: true, encoding: .utf8)
        let db = ["--db", "ids.db", "--actor", "alice"]

        try IdentityCLI.expect(["keys", "generate", "--keys", "keys"], in: dir)
        try IdentityCLI.expect(["identity"] + db + ["blueprint", "create", "finance-reporting", "--scope", "Reports.Read",
                                         "--max-lifetime", "1h", "--description", "Reads reports"], in: dir)
        try IdentityCLI.expect(["identity"] + db + ["agent", "create", "report-bot", "--blueprint", "finance-reporting",
                                         "--sponsor", "alice@contoso.com", "--group", "finance"], in: dir)
        let kid = try IdentityCLI.expect(["keys", "pair", "--private", "agent.jwk", "--public", "agent.pub.jwk"], in: dir)
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try IdentityCLI.expect(["identity"] + db + ["credential", "add", "--agent", "report-bot", "--jwk", "agent.pub.jwk"], in: dir)

        let issue = ["token", "issue", "--db", "ids.db", "--keys", "keys", "--policies", "policy.agate",
                     "--audience", "https://finance.contoso.com", "--scope", "Reports.Read", "--scope", "Reports.Write",
                     "--ip", "10.1.2.3", "--country", "GB"]
        func assertion() throws -> String {
            try IdentityCLI.expect(["token", "assertion", "--key", "agent.jwk", "--agent", "report-bot"], in: dir)
                .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let granted = IdentityCLI.json(try IdentityCLI.expect(issue + ["--assertion", try assertion()], in: dir).stdout)
        #expect(granted["token_type"] as? String == "Bearer")
        #expect(granted["scope"] as? String == "Reports.Read")
        #expect(granted["expires_in"] as? Int == 900)
        let token = try #require(granted["access_token"] as? String)
        #expect(token.split(separator: ".").count == 3)
        let jwks = try IdentityCLI.expect(["keys", "jwks", "--keys", "keys"], in: dir).stdout
        #expect(jwks.contains(#""kty":"EC""#) && !jwks.contains(#""d":"#))

        try IdentityCLI.expect(["identity"] + db + ["agent", "disable", "report-bot"], in: dir)
        let denied = try IdentityCLI.expect(issue + ["--assertion", try assertion()], in: dir, status: 1)
        let error = IdentityCLI.json(denied.stdout)
        #expect(error["error"] as? String == "access_denied")
        #expect((error["reasons"] as? [String])?.first == "agent `report-bot` is disabled")

        let audit = try IdentityCLI.expect(["identity", "audit", "--db", "ids.db", "--json"], in: dir).stdout
            .split(separator: "\n").map { IdentityCLI.json(String($0)) }
        #expect(audit.map { $0["action"] as? String } == [
            "blueprint.created", "agent.created", "credential.added", "token.issued", "agent.disabled", "token.denied",
        ])
        #expect(audit[4]["actor"] as? String == "alice")
        #expect((audit[2]["details"] as? [String: Any])?["credential"] as? String == kid)
        #expect((audit[5]["details"] as? [String: Any])?["error"] as? String == "agent_disabled")
    }

    @Test func tokenExchangeCarriesTheActChain() throws {
        let dir = try IdentityCLI.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.policy.write(toFile: dir + "/policy.agate", atomically: true, encoding: .utf8)
        try IdentityCLI.expect(["keys", "generate", "--keys", "keys"], in: dir)
        try IdentityCLI.expect(["identity", "--db", "ids.db", "blueprint", "create", "finance-reporting"], in: dir)
        for agent in ["planner-bot", "report-bot"] {
            try IdentityCLI.expect(["identity", "--db", "ids.db", "agent", "create", agent, "--blueprint", "finance-reporting",
                       "--sponsor", "alice@contoso.com"], in: dir)
            try IdentityCLI.expect(["keys", "pair", "--private", agent + ".jwk", "--public", agent + ".pub.jwk", "--alg", "EdDSA"],
                      in: dir)
            try IdentityCLI.expect(["identity", "--db", "ids.db", "credential", "add", "--agent", agent, "--jwk", agent + ".pub.jwk"],
                      in: dir)
        }
        func assertion(_ agent: String) throws -> String {
            try IdentityCLI.expect(["token", "assertion", "--key", agent + ".jwk", "--agent", agent], in: dir)
                .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let issue = ["token", "issue", "--db", "ids.db", "--keys", "keys", "--policies", "policy.agate",
                     "--scope", "Reports.Read"]
        // planner-bot gets a token for report-bot, which exchanges it to act on planner-bot's behalf.
        let first = IdentityCLI.json(try IdentityCLI.expect(issue + ["--audience", "report-bot", "--assertion",
                                                        try assertion("planner-bot")], in: dir).stdout)
        let subject = try #require(first["access_token"] as? String)
        let lines = try IdentityCLI.expect(issue + ["--audience", "https://finance.contoso.com", "--assertion",
                                       try assertion("report-bot"), "--subject-token", subject, "--claims"], in: dir)
            .stdout.split(separator: "\n").map { IdentityCLI.json(String($0)) }
        #expect(lines.first?["issued_token_type"] as? String == "urn:ietf:params:oauth:token-type:access_token")
        let claims = try #require(lines.last)
        #expect(claims["sub"] as? String == "planner-bot")
        #expect(claims["client_id"] as? String == "report-bot")
        #expect((claims["act"] as? [String: Any])?["sub"] as? String == "report-bot")
    }

    @Test func demoAgentGetsAToken() throws {
        let dir = try IdentityCLI.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
            policyset "demo"
            default deny
            policy demo_reads {
              target subject.blueprint == "demo-reader"
              allow { token_lifetime 5m }
            }
            """.write(toFile: dir + "/policy.agate", atomically: true, encoding: .utf8)
        try IdentityCLI.expect(["keys", "generate", "--keys", "keys"], in: dir)
        try IdentityCLI.expect(["identity", "demo", "--db", "ids.db"], in: dir)
        let assertion = try IdentityCLI.expect(["token", "assertion", "--key", "demo-agent.jwk", "--agent", "demo-agent"], in: dir)
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let answer = IdentityCLI.json(try IdentityCLI.expect(["token", "issue", "--db", "ids.db", "--keys", "keys", "--policies",
                                                 "policy.agate", "--assertion", assertion, "--audience",
                                                 "https://reports.example.com"], in: dir).stdout)
        #expect(answer["expires_in"] as? Int == 300)
        #expect(answer["scope"] as? String == "Reports.Read")
    }

    @Test func listsAndShowsAsJSON() throws {
        let dir = try IdentityCLI.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try IdentityCLI.expect(["identity", "blueprint", "create", "readonly-bot", "--db", "ids.db", "--max-lifetime", "10m"], in: dir)
        try IdentityCLI.expect(["identity", "agent", "create", "a1", "--db", "ids.db", "--blueprint", "readonly-bot",
                   "--sponsor", "bob", "--attribute", "tier=2", "--attribute", "eu=true", "--expires", "30d"], in: dir)
        try IdentityCLI.expect(["identity", "blueprint", "disable", "readonly-bot", "--db", "ids.db"], in: dir)
        let list = try IdentityCLI.expect(["identity", "agent", "list", "--db", "ids.db", "--json"], in: dir).stdout
        let agents = try #require(try JSONSerialization.jsonObject(with: Data(list.utf8)) as? [[String: Any]])
        #expect(agents.first?["standing"] as? String == "blueprint-disabled")
        #expect(agents.first?["state"] as? String == "active")
        #expect((agents.first?["attributes"] as? [String: Any])?["eu"] as? Bool == true)
        let blueprint = IdentityCLI.json(try IdentityCLI.expect(["identity", "blueprint", "show", "readonly-bot", "--db", "ids.db",
                                                    "--json"], in: dir).stdout)
        #expect(blueprint["max_token_lifetime_s"] as? Int == 600)
        #expect(blueprint["state"] as? String == "disabled")
        let updated = IdentityCLI.json(try IdentityCLI.expect(["identity", "agent", "update", "a1", "--db", "ids.db", "--sponsor",
                                                  "carol", "--no-expiry", "--json"], in: dir).stdout)
        #expect(updated["sponsor"] as? String == "carol")
        #expect(updated["expires"] == nil)
        let audit = try IdentityCLI.expect(["identity", "audit", "--db", "ids.db", "--target", "a1", "--json"], in: dir).stdout
        #expect(audit.split(separator: "\n").count == 2)
        #expect(audit.contains(#""action":"agent.changed""#))
    }

    @Test func mistakesGetOneLineErrors() throws {
        let dir = try IdentityCLI.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let missing = try IdentityCLI.expect(["identity", "agent", "create", "a1", "--db", "ids.db", "--blueprint", "nope",
                                 "--sponsor", "bob"], in: dir, status: 1)
        #expect(missing.stderr == "error: unknown blueprint `nope`\n")
        try "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\",\"d\":\"AA\"}"
            .write(toFile: dir + "/private.jwk", atomically: true, encoding: .utf8)
        try IdentityCLI.expect(["identity", "blueprint", "create", "b", "--db", "ids.db"], in: dir)
        try IdentityCLI.expect(["identity", "agent", "create", "a1", "--db", "ids.db", "--blueprint", "b", "--sponsor", "bob"], in: dir)
        let secret = try IdentityCLI.expect(["identity", "credential", "add", "--db", "ids.db", "--agent", "a1", "--jwk",
                                "private.jwk"], in: dir, status: 1)
        #expect(secret.stderr.contains("register the public key only"))
        try IdentityCLI.expect(["keys", "jwks", "--keys", "nowhere"], in: dir, status: 1)
    }

    @Test func keyRotationKeepsThePreviousKeyPublished() throws {
        let dir = try IdentityCLI.workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try IdentityCLI.expect(["keys", "generate", "--keys", "keys"], in: dir).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try IdentityCLI.expect(["keys", "generate", "--keys", "keys"], in: dir, status: 1)
        let second = try IdentityCLI.expect(["keys", "rotate", "--keys", "keys"], in: dir).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var jwks = try IdentityCLI.expect(["keys", "jwks", "--keys", "keys"], in: dir).stdout
        #expect(jwks.contains(first) && jwks.contains(second))
        // `--`: a thumbprint kid starts with `-` one time in 64.
        let unknown = try IdentityCLI.expect(["keys", "retire", "--keys", "keys", "--", "-no-such-kid"], in: dir, status: 1)
        #expect(unknown.stderr.contains("-no-such-kid"))
        try IdentityCLI.expect(["keys", "retire", "--keys", "keys", "--", first], in: dir)
        jwks = try IdentityCLI.expect(["keys", "jwks", "--keys", "keys"], in: dir).stdout
        #expect(!jwks.contains(first) && jwks.contains(second))
    }
}
