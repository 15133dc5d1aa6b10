import Foundation

/// The unverified parts of a compact JWS, read only to decide which key and
/// rules apply; nothing in it is trusted until the signature verifies.
struct CompactJWS {
    static let maximumLength = 16 * 1024

    var algorithm: String
    var keyID: String?
    var payload: Data

    init(_ token: String) throws(TokenError) {
        guard token.utf8.count <= Self.maximumLength else {
            throw .malformedAssertion("longer than \(Self.maximumLength) bytes")
        }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformedAssertion("expected three dot-separated parts") }
        guard let headerData = Base64URL.decode(String(parts[0])),
              let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any]
        else { throw .malformedAssertion("the header is not base64url JSON") }
        guard let algorithm = header["alg"] as? String else { throw .malformedAssertion("the header has no `alg`") }
        guard let payload = Base64URL.decode(String(parts[1])) else {
            throw .malformedAssertion("the payload is not base64url")
        }
        self.algorithm = algorithm
        self.keyID = header["kid"] as? String
        self.payload = payload
    }

    /// The claims, unverified.
    func claims<T: Decodable>(_ type: T.Type) throws(TokenError) -> T {
        do {
            return try JSONDecoder().decode(type, from: payload)
        } catch {
            throw .malformedAssertion("missing or mistyped claims (`iss`, `sub`, `aud`, `exp` are required)")
        }
    }
}
