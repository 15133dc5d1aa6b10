import Foundation
import Testing
@testable import Tokens

@Suite struct KeyTests {
    func temporaryDirectory() -> String {
        NSTemporaryDirectory() + "agate-keys-\(UInt64.random(in: 0...UInt64.max))"
    }

    @Test func generatedKeysAreStoredPrivately() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SigningKeyStore.generate(directory: directory, now: 1)
        var info = stat()
        #expect(stat(directory + "/" + SigningKeyStore.fileName, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(stat(directory, &info) == 0)
        #expect(info.st_mode & 0o077 == 0)
        #expect(try SigningKeyStore.load(directory: directory).keys == store.keys)
        #expect(throws: KeyError.self) { try SigningKeyStore.generate(directory: directory, now: 2) }
    }

    @Test func loadRefusesAWorldReadableKeyFile() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try SigningKeyStore.generate(directory: directory, now: 1)
        chmod(directory + "/" + SigningKeyStore.fileName, 0o644)
        #expect(throws: KeyError.self) { try SigningKeyStore.load(directory: directory) }
    }

    @Test func rotationKeepsOldTokensVerifyingUntilRetired() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var store = try SigningKeyStore.generate(directory: directory, now: 1)
        let old = store.activeKey.keyID
        let claims = AssertionClaims(iss: "i", sub: "s", aud: "a", exp: 10)
        let token = try await store.keyCollection().sign(claims)
        let fresh = try store.rotate(now: 2)
        #expect(store.activeKey.keyID == fresh.keyID)
        #expect(store.jwks().contains(old) && store.jwks().contains(fresh.keyID))
        let reloaded = try SigningKeyStore.load(directory: directory)
        #expect(try await reloaded.keyCollection().verify(token, as: AssertionClaims.self) == claims)
        var retired = reloaded
        #expect(throws: KeyError.self) { try retired.retire(keyID: fresh.keyID) }
        try retired.retire(keyID: old)
        #expect(!retired.jwks().contains(old))
        await #expect(throws: (any Error).self) {
            try await retired.keyCollection().verify(token, as: AssertionClaims.self)
        }
    }

    @Test func publicJWKsAreValidated() throws {
        let key = try AgentPrivateKey.generate(.es256)
        #expect(try AgentPublicKey(jwk: key.publicKey.jwk) == key.publicKey)
        #expect(throws: KeyError.self) { try AgentPublicKey(jwk: key.jwk) }  // holds `d`
        #expect(throws: KeyError.self) { try AgentPublicKey(jwk: #"{"kty":"RSA","n":"x","e":"AQAB"}"#) }
        #expect(throws: KeyError.self) {
            try AgentPublicKey(jwk: #"{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}"#)
        }
        #expect(throws: KeyError.self) { try AgentPublicKey(jwk: "not json") }
    }

    @Test func thumbprintIsTheDefaultKeyID() throws {
        let key = try AgentPrivateKey.generate(.eddsa)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(key.publicKey.jwk.utf8)) as? [String: String])
        object.removeValue(forKey: "kid")
        let data = try JSONSerialization.data(withJSONObject: object)
        #expect(try AgentPublicKey(jwk: String(decoding: data, as: UTF8.self)).keyID == key.publicKey.keyID)
        #expect(key.publicKey.keyID.count == 43)
    }
}
