import Foundation

/// One token request: how the caller proves who it is, what it asks for, and
/// where and when it asks from.
public struct TokenCall: Sendable, Equatable {
    /// How the caller authenticates, with the OAuth grant it maps to.
    public enum Grant: Sendable, Equatable {
        /// `client_credentials` with `private_key_jwt` (RFC 7523 §2.2).
        case clientCredentials(assertion: String)
        /// `urn:ietf:params:oauth:grant-type:jwt-bearer` (RFC 7523 §2.1): a
        /// token from a trusted external issuer, bound to an agent.
        case federated(assertion: String)
        /// `urn:ietf:params:oauth:grant-type:token-exchange` (RFC 8693): the
        /// agent (`actorAssertion`) acts on behalf of `subjectToken`'s subject.
        case tokenExchange(subjectToken: String, actorAssertion: String)
    }

    public var grant: Grant
    /// The one resource the token is for.
    public var audience: String
    /// Scopes asked for; empty asks for the blueprint's default scopes.
    public var scopes: [String]
    public var ip: String
    public var country: String?
    /// Seconds since the epoch.
    public var time: Int64

    public init(grant: Grant, audience: String, scopes: [String] = [], ip: String, country: String? = nil,
                time: Int64) {
        self.grant = grant
        self.audience = audience
        self.scopes = scopes
        self.ip = ip
        self.country = country
        self.time = time
    }
}

extension TokenCall {
    public static let clientCredentialsGrant = "client_credentials"
    public static let jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    public static let tokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange"
    public static let jwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

    /// Decodes a JSON object (one `op: token` line, or just its parameters).
    public init(json data: Data, time: Int64) throws(TokenError) {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .invalidRequest("the token request is not a JSON object")
        }
        try self.init(json: object, time: time)
    }

    /// Decodes the body of an `op: token` line: OAuth token-request parameters
    /// as JSON (`grant_type`, `client_assertion`, `assertion`, `subject_token`,
    /// `actor_token`, `audience`, `scope` as a space-separated string or an
    /// array) plus `location: {ip, country}`. `time` is the server's clock.
    public init(json object: [String: Any], time: Int64) throws(TokenError) {
        func string(_ key: String) -> String? { object[key] as? String }
        func required(_ key: String) throws(TokenError) -> String {
            guard let value = string(key), !value.isEmpty else { throw .invalidRequest("missing `\(key)`") }
            return value
        }
        let grantType = try required("grant_type")
        switch grantType {
        case Self.clientCredentialsGrant:
            if let type = string("client_assertion_type"), type != Self.jwtBearerAssertionType {
                throw .invalidRequest("unsupported `client_assertion_type` `\(type)`")
            }
            grant = .clientCredentials(assertion: try required("client_assertion"))
        case Self.jwtBearerGrant:
            grant = .federated(assertion: try required("assertion"))
        case Self.tokenExchangeGrant:
            let actor = string("actor_token") != nil ? try required("actor_token") : try required("client_assertion")
            grant = .tokenExchange(subjectToken: try required("subject_token"), actorAssertion: actor)
        default:
            throw .invalidRequest("unsupported `grant_type` `\(grantType)`")
        }
        audience = try required("audience")
        if let text = object["scope"] as? String {
            scopes = text.split(separator: " ").map(String.init)
        } else if let list = object["scope"] as? [String] {
            scopes = list
        } else if object["scope"] == nil {
            scopes = []
        } else {
            throw .invalidRequest("`scope` is a space-separated string or an array of strings")
        }
        guard let location = object["location"] as? [String: Any], let ip = location["ip"] as? String else {
            throw .invalidRequest("missing `location.ip`")
        }
        self.ip = ip
        country = location["country"] as? String
        self.time = time
    }
}
