import Crypto
import Foundation
import JWTKit

/// Signature algorithms Agate accepts from agents. Anything else (`none`,
/// `HS256`, RSA for client assertions) is refused before a signature is
/// looked at: there are no shared secrets to verify an HMAC with.
public enum AssertionAlgorithm: String, Sendable, CaseIterable {
    case es256 = "ES256"
    case eddsa = "EdDSA"
}

/// A validated public key, parsed from a JWK: the form an agent registers.
public struct AgentPublicKey: Sendable, Equatable {
    public var algorithm: AssertionAlgorithm
    /// The key id: the JWK's `kid`, or its RFC 7638 thumbprint when it has none.
    public var keyID: String
    /// The canonical public JWK (no private members), as stored.
    public var jwk: String
    let x: String
    let y: String?

    /// Parses and validates a public JWK (EC P-256 or OKP Ed25519). A JWK
    /// holding a private key is refused: no secret is ever stored.
    public init(jwk text: String) throws(KeyError) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw .invalid("the key is not a JSON object")
        }
        guard object["d"] == nil else {
            throw .invalid("the JWK holds a private key (`d`); register the public key only")
        }
        let kty = object["kty"] as? String, crv = object["crv"] as? String
        guard let x = object["x"] as? String else { throw .invalid("the JWK has no `x` coordinate") }
        switch (kty, crv) {
        case ("EC", "P-256"):
            guard let y = object["y"] as? String else { throw .invalid("the EC JWK has no `y` coordinate") }
            guard let xb = Base64URL.decode(x), let yb = Base64URL.decode(y), xb.count == 32, yb.count == 32,
                  (try? P256.Signing.PublicKey(x963Representation: [0x04] + xb + yb)) != nil
            else { throw .invalid("the EC JWK is not a point on P-256") }
            (algorithm, self.x, self.y) = (.es256, x, y)
        case ("OKP", "Ed25519"):
            guard let xb = Base64URL.decode(x), (try? Curve25519.Signing.PublicKey(rawRepresentation: xb)) != nil
            else { throw .invalid("the OKP JWK is not an Ed25519 public key") }
            (algorithm, self.x, self.y) = (.eddsa, x, nil)
        default:
            throw .invalid("unsupported key type `\(kty ?? "?")`/`\(crv ?? "?")`; use EC P-256 (ES256) or OKP Ed25519 (EdDSA)")
        }
        if let alg = object["alg"] as? String, alg != algorithm.rawValue {
            throw .invalid("the JWK says `alg` `\(alg)` but its key is for \(algorithm.rawValue)")
        }
        let thumbprint = Self.thumbprint(algorithm: algorithm, x: x, y: y)
        keyID = (object["kid"] as? String) ?? thumbprint
        jwk = Self.canonical(algorithm: algorithm, keyID: keyID, x: x, y: y)
    }

    /// RFC 7638: SHA-256 over the required members in lexicographic order.
    static func thumbprint(algorithm: AssertionAlgorithm, x: String, y: String?) -> String {
        let members = switch algorithm {
        case .es256: #"{"crv":"P-256","kty":"EC","x":"\#(x)","y":"\#(y ?? "")"}"#
        case .eddsa: #"{"crv":"Ed25519","kty":"OKP","x":"\#(x)"}"#
        }
        return Base64URL.encode(Data(SHA256.hash(data: Data(members.utf8))))
    }

    static func canonical(algorithm: AssertionAlgorithm, keyID: String, x: String, y: String?) -> String {
        var object: [String: String] = ["alg": algorithm.rawValue, "kid": keyID, "use": "sig", "x": x]
        switch algorithm {
        case .es256: (object["kty"], object["crv"], object["y"]) = ("EC", "P-256", y)
        case .eddsa: (object["kty"], object["crv"]) = ("OKP", "Ed25519")
        }
        return JSON.string(object)
    }

    /// A jwt-kit key collection holding only this key, for verification.
    func keyCollection() async throws -> JWTKeyCollection {
        let keys = JWTKeyCollection()
        switch algorithm {
        case .es256:
            await keys.add(ecdsa: try ES256PublicKey(parameters: (x, y ?? "")), kid: JWKIdentifier(string: keyID))
        case .eddsa:
            await keys.add(eddsa: try EdDSA.PublicKey(x: x, curve: .ed25519), kid: JWKIdentifier(string: keyID))
        }
        return keys
    }
}

/// A private key an agent (or a test) signs assertions with, from a JWK.
public struct AgentPrivateKey: Sendable {
    public var publicKey: AgentPublicKey
    let d: String

    /// Generates a new key pair with a fresh `kid` (its thumbprint).
    public static func generate(_ algorithm: AssertionAlgorithm) throws(KeyError) -> AgentPrivateKey {
        switch algorithm {
        case .es256:
            let key = P256.Signing.PrivateKey()
            let point = key.publicKey.x963Representation
            return try AgentPrivateKey(jwk: JSON.string([
                "kty": "EC", "crv": "P-256", "x": Base64URL.encode(point[1..<33]),
                "y": Base64URL.encode(point[33..<65]), "d": Base64URL.encode(key.rawRepresentation),
            ]))
        case .eddsa:
            let key = Curve25519.Signing.PrivateKey()
            return try AgentPrivateKey(jwk: JSON.string([
                "kty": "OKP", "crv": "Ed25519", "x": Base64URL.encode(key.publicKey.rawRepresentation),
                "d": Base64URL.encode(key.rawRepresentation),
            ]))
        }
    }

    /// Parses a private JWK (EC P-256 or OKP Ed25519 with `d`).
    public init(jwk text: String) throws(KeyError) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let d = object["d"] as? String
        else { throw .invalid("the private JWK has no `d`") }
        var publicPart = object
        publicPart.removeValue(forKey: "d")
        guard let data = try? JSONSerialization.data(withJSONObject: publicPart) else {
            throw .invalid("the private JWK is not valid JSON")
        }
        publicKey = try AgentPublicKey(jwk: String(decoding: data, as: UTF8.self))
        self.d = d
        guard (try? validated()) != nil else { throw .invalid("the private JWK's `d` does not fit its public key") }
    }

    /// The private JWK, with its `kid`.
    public var jwk: String {
        var object: [String: String] = ["kid": publicKey.keyID, "alg": publicKey.algorithm.rawValue, "x": publicKey.x,
                                        "d": d]
        switch publicKey.algorithm {
        case .es256: (object["kty"], object["crv"], object["y"]) = ("EC", "P-256", publicKey.y)
        case .eddsa: (object["kty"], object["crv"]) = ("OKP", "Ed25519")
        }
        return JSON.string(object)
    }

    /// Signs a JWT with this key (`kid` and `alg` set in the header).
    public func sign(_ payload: some JWTPayload) async throws -> String {
        try await signer().sign(payload, kid: JWKIdentifier(string: publicKey.keyID))
    }

    private enum Backing {
        case es256(P256.Signing.PrivateKey)
        case eddsa(Curve25519.Signing.PrivateKey)
    }

    /// The crypto key behind `d`, checked against the public coordinates.
    private func validated() throws -> Backing {
        guard let raw = Base64URL.decode(d) else { throw KeyError.invalid("`d` is not base64url") }
        switch publicKey.algorithm {
        case .es256:
            let key = try P256.Signing.PrivateKey(rawRepresentation: raw)
            let point = key.publicKey.x963Representation
            guard Base64URL.encode(point[1..<33]) == publicKey.x, Base64URL.encode(point[33..<65]) == publicKey.y else {
                throw KeyError.invalid("`d` does not match `x`/`y`")
            }
            return .es256(key)
        case .eddsa:
            let key = try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
            guard Base64URL.encode(key.publicKey.rawRepresentation) == publicKey.x else {
                throw KeyError.invalid("`d` does not match `x`")
            }
            return .eddsa(key)
        }
    }

    private func signer() async throws -> JWTKeyCollection {
        let keys = JWTKeyCollection()
        let kid = JWKIdentifier(string: publicKey.keyID)
        switch try validated() {
        case .es256(let key): await keys.add(ecdsa: try ES256PrivateKey(backing: key), kid: kid)
        case .eddsa(let key): await keys.add(eddsa: EdDSA.PrivateKey(backing: key), kid: kid)
        }
        return keys
    }
}

/// A key that cannot be used, with the reason.
public enum KeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)
    case storage(String)

    public var description: String {
        switch self {
        case .invalid(let reason): "invalid key: \(reason)"
        case .storage(let reason): "signing key store: \(reason)"
        }
    }
}
