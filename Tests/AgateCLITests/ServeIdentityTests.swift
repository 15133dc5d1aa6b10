import Foundation
import JWTKit
import Testing

/// `agate serve --identities --keys`: subjects resolved from the store and
/// `op: token` over the real socket, with the CLI managing the records.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ServeIdentityTests {
    static let policy = """
        policyset "serve-identity"
        default deny

        policy finance_reads {
          target subject.blueprint == "finance-reporting"
          target audience == "https://finance.contoso.com"
          allow {
            token_lifetime 15m
            scopes ["Reports.Read"]
          }
        }
        """

    /// The claims the test reads back from an issued token.
    struct AccessClaims: JWTPayload {
        var iss: IssuerClaim
        var sub: SubjectClaim
        var aud: AudienceClaim
        var exp: ExpirationClaim
        var scp: [String]
        var blueprint: String

        func verify(using algorithm: some JWTAlgorithm) async throws {
            try exp.verifyNotExpired()
        }
    }

    @Test func tokensAndSubjectsComeFromTheStore() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let dir = temporary.path
        try Self.prepareReportBot(in: temporary)
        let db = Self.identityCLI
        try IdentityCLI.expect(db + ["blueprint", "create", "marketing"], in: dir)
        try IdentityCLI.expect(db + ["agent", "create", "promo-bot", "--blueprint", "marketing", "--sponsor", "bob@contoso.com"],
                  in: dir)

        let socket = temporary.file("agate.sock")
        let log = temporary.file("decisions.jsonl")
        let server = try AgateBinary.launch([
            "serve", "--policies", temporary.file("policy.agate"), "--socket", socket, "--decision-log", log,
            "--identities", temporary.file("ids.db"), "--keys", temporary.file("keys"), "--log-level", "warning",
        ])
        defer { server.kill() }
        let client = try Self.connect(socket, server: server)
        defer { client.close() }

        func token(_ id: Int) throws -> [String: Any] {
            let assertion = try IdentityCLI.expect(["token", "assertion", "--key", "agent.jwk", "--agent", "report-bot"], in: dir)
                .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            client.send(#"{"id":\#(id),"op":"token","params":{"grant_type":"client_credentials","client_assertion":"\#(assertion)","audience":"https://finance.contoso.com","scope":"Reports.Read","location":{"ip":"10.1.2.3","country":"GB"}}}"# + "\n")
            return try #require(IdentityCLI.json(client.readLines(1).first ?? "") as [String: Any]?)
        }
        func evaluate(_ id: Int, subject: String) -> [String: Any] {
            client.send(#"{"id":\#(id),"op":"evaluate","request":{"subject":\#(subject),"audience":"https://finance.contoso.com","location":{"ip":"10.1.2.3"}}}"# + "\n")
            return IdentityCLI.json(client.readLines(1).first ?? "")
        }

        // A token over the socket, verified with the JWKS.
        let granted = try token(1)
        #expect(granted["id"] as? Int == 1)
        #expect(granted["token_type"] as? String == "Bearer")
        let accessToken = try #require(granted["access_token"] as? String)
        let jwks = try IdentityCLI.expect(["keys", "jwks", "--keys", "keys"], in: dir).stdout
        let keys = try await JWTKeyCollection().add(jwksJSON: jwks)
        let claims = try await keys.verify(accessToken, as: AccessClaims.self)
        #expect(claims.sub.value == "report-bot")
        #expect(claims.aud.value == ["https://finance.contoso.com"])
        #expect(claims.scp == ["Reports.Read"])
        #expect(claims.blueprint == "finance-reporting")
        // `stats` counts a token's decision and its policies like an evaluate's.
        var stats: [String: Any] = [:]
        for attempt in 0..<200 {
            client.send(#"{"id":"s\#(attempt)","op":"stats"}"# + "\n")
            stats = IdentityCLI.json(client.readLines(1).first ?? "")
            if (stats["policies"] as? [String: Int])?["finance_reads"] == 1 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect((stats["policies"] as? [String: Int]) == ["finance_reads": 1])
        #expect((stats["decisions"] as? [String: Int])?["allow"] == 1)

        // A caller claiming another blueprint gets the record's.
        let claimed = evaluate(2, subject: #"{"id":"promo-bot","kind":"agent","blueprint":"finance-reporting"}"#)
        #expect(claimed["decision"] as? String == "deny")
        #expect((claimed["policies"] as? [String]) == [])
        let own = evaluate(3, subject: #"{"id":"report-bot","kind":"agent","blueprint":"marketing"}"#)
        #expect(own["decision"] as? String == "allow")
        #expect((own["policies"] as? [String]) == ["finance_reads"])
        // Users are not in the store: they pass through as sent.
        let user = evaluate(4, subject: #"{"id":"carol","kind":"user","blueprint":"finance-reporting"}"#)
        #expect(user["decision"] as? String == "allow")

        // Disabled with the CLI while the server runs: no token, and evaluate is denied before policy.
        try IdentityCLI.expect(db + ["agent", "disable", "report-bot"], in: dir)
        let refused = try token(5)
        #expect(refused["error"] as? String == "access_denied")
        #expect(refused["error_code"] as? String == "agent_disabled")
        let disabled = evaluate(6, subject: #"{"id":"report-bot","kind":"agent"}"#)
        #expect(disabled["decision"] as? String == "deny")
        #expect((disabled["policies"] as? [String]) == [])
        #expect((disabled["reasons"] as? [String]) == ["agent `report-bot` is disabled"])
        let errors = try #require(disabled["errors"] as? [[String: Any]])
        #expect(errors.first?["code"] as? String == "agent_disabled")
        let unknown = evaluate(7, subject: #"{"id":"ghost","kind":"agent"}"#)
        #expect((unknown["errors"] as? [[String: Any]])?.first?["code"] as? String == "unknown_agent")

        #expect(Self.stop(server) == 0)

        let audit = try IdentityCLI.expect(["identity", "audit", "--db", "ids.db", "--json"], in: dir).stdout
            .split(separator: "\n").map { IdentityCLI.json(String($0)) }.compactMap { $0["action"] as? String }
        #expect(audit == [
            "blueprint.created", "agent.created", "credential.added", "blueprint.created", "agent.created",
            "token.issued", "agent.disabled", "token.denied",
        ])

        let logged = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
            .map { IdentityCLI.json(String($0)) }
        #expect(logged.map { $0["id"] as? Int } == [1, 2, 3, 4, 6, 7])
        let tokenDecision = try #require(logged.first)
        #expect(tokenDecision["decision"] as? String == "allow")
        let request = try #require(tokenDecision["request"] as? [String: Any])
        #expect((request["subject"] as? [String: Any])?["blueprint"] as? String == "finance-reporting")
        let claimedLogged = try #require(logged.dropFirst().first?["request"] as? [String: Any])
        #expect((claimedLogged["subject"] as? [String: Any])?["blueprint"] as? String == "marketing")
        #expect(logged[4]["decision"] as? String == "deny")
    }

    @Test func tokenWithoutAStoreIsUnavailable() throws {
        let server = try ServerUnderTest.start(policyFiles: ["main.agate": Self.policy], withLog: false)
        defer { server.cleanUp() }
        let client = try RawSocket(path: server.socket)
        defer { client.close() }
        client.send(#"{"id":1,"op":"token","params":{"grant_type":"client_credentials"}}"# + "\n")
        let answer = IdentityCLI.json(client.readLines(1).first ?? "")
        let error = try #require(answer["error"] as? [String: Any])
        #expect(error["code"] as? String == "unavailable")
        #expect((error["message"] as? String)?.contains("--identities") == true)
        #expect(server.stop() == 0)
    }

    /// `agate identity` against the test's store, acting as alice.
    static let identityCLI = ["identity", "--db", "ids.db", "--actor", "alice"]

    /// In `temporary`: `policy.agate`, signing keys in `keys/`, and in `ids.db`
    /// the `finance-reporting` blueprint and its agent `report-bot`, whose
    /// private key is `agent.jwk`.
    static func prepareReportBot(in temporary: TemporaryDirectory) throws {
        let dir = temporary.path
        try temporary.write("policy.agate", Self.policy)
        try IdentityCLI.expect(["keys", "generate", "--keys", "keys"], in: dir)
        try IdentityCLI.expect(identityCLI + ["blueprint", "create", "finance-reporting", "--scope", "Reports.Read",
                                              "--max-lifetime", "1h"], in: dir)
        try IdentityCLI.expect(identityCLI + ["agent", "create", "report-bot", "--blueprint", "finance-reporting",
                                              "--sponsor", "alice@contoso.com", "--group", "finance"], in: dir)
        try IdentityCLI.expect(["keys", "pair", "--private", "agent.jwk", "--public", "agent.pub.jwk"], in: dir)
        try IdentityCLI.expect(identityCLI + ["credential", "add", "--agent", "report-bot", "--jwk", "agent.pub.jwk"], in: dir)
    }

    /// Connects once the server listens (it is started just before).
    static func connect(_ socket: String, server: AgateBinary.Running) throws -> RawSocket {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let connected = try? RawSocket(path: socket) { return connected }
            if !server.process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw ServerUnderTest.ServerFailure(message: "agate serve did not start: \(server.stderrText)")
    }

    static func stop(_ server: AgateBinary.Running) -> Int32? {
        server.signal(SIGTERM)
        return server.waitForExit(timeout: 15)
    }
}
