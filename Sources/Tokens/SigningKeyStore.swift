import Crypto
import Foundation
import JWTKit

/// One ES256 signing key of this issuer.
public struct SigningKey: Sendable, Equatable {
    /// What the key may do. Exactly one key is `active` (signs); `previous`
    /// keys only verify, so tokens signed before a rotation stay valid until
    /// the key is retired.
    public enum Status: String, Sendable, Codable {
        case active
        case previous
    }

    public var keyID: String
    public var created: Int64
    public var status: Status
    let p256: P256.Signing.PrivateKey

    public static func == (a: SigningKey, b: SigningKey) -> Bool {
        a.keyID == b.keyID && a.created == b.created && a.status == b.status
            && a.p256.rawRepresentation == b.p256.rawRepresentation
    }

    static func generate(now: Int64) -> SigningKey {
        let key = P256.Signing.PrivateKey()
        return SigningKey(keyID: thumbprint(key.publicKey), created: now, status: .active, p256: key)
    }

    static func thumbprint(_ key: P256.Signing.PublicKey) -> String {
        let point = key.x963Representation
        return AgentPublicKey.thumbprint(algorithm: .es256, x: Base64URL.encode(point[1..<33]),
                                         y: Base64URL.encode(point[33..<65]))
    }

    /// The public JWK of this key, as published in the JWKS.
    var publicJWK: [String: String] {
        let point = p256.publicKey.x963Representation
        return ["kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": keyID,
                "x": Base64URL.encode(point[1..<33]), "y": Base64URL.encode(point[33..<65])]
    }
}

/// This issuer's signing keys: generated here, kept in one file readable only
/// by its owner (mode 0600, in a 0700 directory), rotated without breaking
/// tokens already issued.
public struct SigningKeyStore: Sendable {
    public static let fileName = "signing-keys.json"

    /// Where the keys live; `nil` for an in-memory set (tests, demos).
    public let directory: String?
    public private(set) var keys: [SigningKey]

    /// The key that signs new tokens.
    public var activeKey: SigningKey {
        // Every constructor and mutation keeps exactly one active key.
        keys.first { $0.status == .active } ?? keys[0]
    }

    /// Creates a directory with a fresh key. Refuses to overwrite existing keys.
    public static func generate(directory: String, now: Int64) throws(KeyError) -> SigningKeyStore {
        let store = SigningKeyStore(directory: directory, keys: [SigningKey.generate(now: now)])
        if FileManager.default.fileExists(atPath: store.filePath(directory)) {
            throw .storage("`\(directory)` already holds signing keys; use `agate keys rotate` to add a new one")
        }
        try store.save()
        return store
    }

    /// Loads the keys kept in `directory`.
    public static func load(directory: String) throws(KeyError) -> SigningKeyStore {
        let path = directory + "/" + fileName
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .storage("no signing keys in `\(directory)`; run `agate keys generate --keys \(directory)`")
        }
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & 0o077 != 0 {
            throw .storage("`\(path)` is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); run `chmod 600 \(path)`")
        }
        guard let file = try? JSONDecoder().decode(KeyFile.self, from: data) else {
            throw .storage("`\(path)` is not a signing key file")
        }
        var keys: [SigningKey] = []
        for entry in file.keys {
            guard let raw = Base64URL.decode(entry.d), let key = try? P256.Signing.PrivateKey(rawRepresentation: raw),
                  SigningKey.thumbprint(key.publicKey) == entry.kid
            else { throw .storage("key `\(entry.kid)` in `\(path)` is damaged") }
            keys.append(SigningKey(keyID: entry.kid, created: entry.created, status: entry.status, p256: key))
        }
        guard keys.filter({ $0.status == .active }).count == 1 else {
            throw .storage("`\(path)` must hold exactly one active key")
        }
        return SigningKeyStore(directory: directory, keys: keys)
    }

    /// A set with one fresh key that lives only in memory.
    public static func ephemeral(now: Int64) -> SigningKeyStore {
        SigningKeyStore(directory: nil, keys: [SigningKey.generate(now: now)])
    }

    /// Makes a new active key; the old one keeps verifying until retired.
    @discardableResult
    public mutating func rotate(now: Int64) throws(KeyError) -> SigningKey {
        let fresh = SigningKey.generate(now: now)
        let previous = keys
        keys = [fresh] + keys.map { var key = $0; key.status = .previous; return key }
        do throws(KeyError) { try save() } catch { keys = previous; throw error }
        return fresh
    }

    /// Removes a previous key: tokens it signed no longer verify.
    public mutating func retire(keyID: String) throws(KeyError) {
        guard let key = keys.first(where: { $0.keyID == keyID }) else { throw .storage("no key `\(keyID)`") }
        guard key.status == .previous else { throw .storage("key `\(keyID)` is active; rotate before retiring it") }
        let previous = keys
        keys.removeAll { $0.keyID == keyID }
        do throws(KeyError) { try save() } catch { keys = previous; throw error }
    }

    /// The public keys (active and previous), as a JWKS document.
    public func jwks() -> String {
        JSON.encode(["keys": keys.map(\.publicJWK)])
    }

    /// A jwt-kit collection that signs with the active key and verifies with every key.
    func keyCollection() async throws -> JWTKeyCollection {
        let collection = JWTKeyCollection()
        for key in keys.reversed() where key.status == .previous {
            await collection.add(ecdsa: try ES256PrivateKey(backing: key.p256), kid: JWKIdentifier(string: key.keyID))
        }
        let active = activeKey
        await collection.add(ecdsa: try ES256PrivateKey(backing: active.p256), kid: JWKIdentifier(string: active.keyID))
        return collection
    }

    private init(directory: String?, keys: [SigningKey]) {
        self.directory = directory
        self.keys = keys
    }

    private func filePath(_ directory: String) -> String { directory + "/" + Self.fileName }

    private struct KeyFile: Codable {
        struct Entry: Codable {
            var kid: String
            var created: Int64
            var status: SigningKey.Status
            var d: String
        }
        var keys: [Entry]
    }

    /// Writes the key file atomically: a 0600 temporary file, then rename.
    private func save() throws(KeyError) {
        guard let directory else { return }
        let manager = FileManager.default
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                        attributes: [.posixPermissions: 0o700])
        } catch {
            throw .storage("cannot create `\(directory)`: \(error.localizedDescription)")
        }
        let file = KeyFile(keys: keys.map {
            KeyFile.Entry(kid: $0.keyID, created: $0.created, status: $0.status, d: Base64URL.encode($0.p256.rawRepresentation))
        })
        let path = filePath(directory), temporary = path + ".tmp"
        guard PrivateFile.write(Data(JSON.encode(file).utf8), to: temporary), rename(temporary, path) == 0 else {
            _ = unlink(temporary)
            throw .storage("cannot write `\(path)`")
        }
    }
}
