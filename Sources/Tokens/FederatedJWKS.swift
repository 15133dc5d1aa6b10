import Foundation
import JWTKit

/// The key set of a trusted external issuer, as registered for federation.
public enum FederatedJWKS {
    /// Checks a JWKS document before it is stored: public keys only, each
    /// with a `kid`, and at least one.
    public static func validate(_ text: String) throws(KeyError) {
        guard let set = try? JSONDecoder().decode(JWKS.self, from: Data(text.utf8)) else {
            throw .invalid("not a JWKS document (`{\"keys\": [...]}`)")
        }
        guard !set.keys.isEmpty else { throw .invalid("the JWKS holds no keys") }
        guard set.keys.allSatisfy({ $0.keyIdentifier != nil }) else { throw .invalid("every key needs a `kid`") }
        guard set.keys.allSatisfy({ $0.privateExponent == nil }) else {
            throw .invalid("the JWKS holds a private key (`d`); register public keys only")
        }
    }
}
