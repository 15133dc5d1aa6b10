import Foundation
import JWTKit
import Testing

/// `agate keys rotate` / `retire` while `agate serve --keys` runs: the server
/// signs with the old key until a reload, then with the new one; keys that do
/// not load are reported and the keys in use stay.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ServeKeyReloadTests {
    @Test func rotatedKeysSignAfterAReload() async throws {
        let temporary = try TemporaryDirectory()
        defer { temporary.remove() }
        let dir = temporary.path
        try ServeIdentityTests.prepareReportBot(in: temporary)

        let socket = temporary.file("agate.sock")
        let server = try AgateBinary.launch([
            "serve", "--policies", temporary.file("policy.agate"), "--socket", socket,
            "--identities", temporary.file("ids.db"), "--keys", temporary.file("keys"), "--log-level", "critical",
        ])
        defer { server.kill() }
        let client = try ServeIdentityTests.connect(socket, server: server)
        defer { client.close() }

        func token(_ id: Int) throws -> String {
            let assertion = try IdentityCLI.expect(["token", "assertion", "--key", "agent.jwk", "--agent", "report-bot"], in: dir)
                .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            client.send(#"{"id":\#(id),"op":"token","params":{"grant_type":"client_credentials","client_assertion":"\#(assertion)","audience":"https://finance.contoso.com","scope":"Reports.Read","location":{"ip":"10.1.2.3","country":"GB"}}}"# + "\n")
            let answer = IdentityCLI.json(client.readLines(1).first ?? "")
            return try #require(answer["access_token"] as? String, "no token: \(answer)")
        }
        func reload(_ id: String) -> [String: Any] {
            client.send(#"{"id":"\#(id)","op":"reload"}"# + "\n")
            return (IdentityCLI.json(client.readLines(1).first ?? "")["reload"] as? [String: Any]) ?? [:]
        }
        func jwks() async throws -> JWTKeyCollection {
            try await JWTKeyCollection().add(jwksJSON: try IdentityCLI.expect(["keys", "jwks", "--keys", "keys"], in: dir).stdout)
        }
        func verifies(_ token: String) async throws -> Bool {
            (try? await jwks().verify(token, as: ServeIdentityTests.AccessClaims.self)) != nil
        }

        let first = try token(1)
        let oldKey = try #require(Self.keyID(of: first))
        #expect(try await verifies(first))

        // Rotated and the old key retired in another process: the server still
        // signs with the key it loaded, which verifiers no longer accept.
        try IdentityCLI.expect(["keys", "rotate", "--keys", "keys"], in: dir)
        try IdentityCLI.expect(["keys", "retire", "--keys", "keys", "--", oldKey], in: dir)
        let stale = try token(2)
        #expect(Self.keyID(of: stale) == oldKey)
        #expect(try await !verifies(stale))

        // After a reload it signs with the new active key.
        let reloaded = reload("r1")
        #expect(reloaded["ok"] as? Bool == true)
        #expect((reloaded["details"] as? [String]) == [])
        let fresh = try token(3)
        let newKey = try #require(Self.keyID(of: fresh))
        #expect(newKey != oldKey)
        #expect(try await verifies(fresh))

        // A key file that does not load (readable by others) is refused; the keys in use stay.
        let keyFile = temporary.file("keys/signing-keys.json")
        #expect(chmod(keyFile, 0o644) == 0)
        let refused = reload("r2")
        #expect(refused["ok"] as? Bool == true, "the policies still reloaded")
        let details = refused["details"] as? [String] ?? []
        #expect(details.count == 1)
        #expect(details.first?.contains("readable by others") == true)
        #expect(details.first?.contains("the signing keys in use stay") == true)
        client.send(#"{"id":"h","op":"health"}"# + "\n")
        let health = IdentityCLI.json(client.readLines(1).first ?? "")
        #expect(((health["last_reload"] as? [String: Any])?["details"] as? [String]) == details,
                "health reports the same reload")
        #expect(Self.keyID(of: try token(4)) == newKey)

        #expect(ServeIdentityTests.stop(server) == 0)
    }

    /// The `kid` in a compact JWS's protected header.
    static func keyID(of token: String) -> String? {
        guard let header = token.split(separator: ".").first else { return nil }
        var text = header.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["kid"] as? String
    }
}
