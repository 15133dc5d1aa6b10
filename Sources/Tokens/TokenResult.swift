import PolicyVM

/// An access token Agate issued.
public struct IssuedToken: Sendable, Equatable {
    public var accessToken: String
    public var claims: AccessTokenClaims
    /// Seconds until the token expires.
    public var expiresIn: Int64
    /// Whether the token came from a token exchange (RFC 8693 answers then
    /// name the token type).
    public var exchanged: Bool
}

/// The outcome of a token request, with what the decision log needs: the
/// request Agate built and the policy answer (both absent when the caller was
/// refused before any policy ran).
public struct TokenResult: Sendable {
    public enum Outcome: Sendable {
        case issued(IssuedToken)
        case refused(TokenError)
    }

    public var outcome: Outcome
    /// The agent the caller proved to be (absent when authentication failed).
    public var agentID: String?
    public var request: Request?
    public var answer: Answer?

    public var token: IssuedToken? {
        if case .issued(let token) = outcome { token } else { nil }
    }

    public var error: TokenError? {
        if case .refused(let error) = outcome { error } else { nil }
    }

    /// The OAuth token response (RFC 6749 §5.1) or error response (§5.2) as
    /// one line of JSON, for the socket and the command line.
    public var json: String {
        switch outcome {
        case .issued(let token):
            return JSON.encode(Success(
                accessToken: token.accessToken, tokenType: "Bearer", expiresIn: token.expiresIn,
                scope: token.claims.scp.joined(separator: " "),
                issuedTokenType: token.exchanged ? "urn:ietf:params:oauth:token-type:access_token" : nil))
        case .refused(let error):
            var reasons: [String] = []
            if case .policyDenied(let policyReasons) = error { reasons = policyReasons }
            if case .subjectDenied(_, let reason) = error { reasons = [reason] }
            if case .requirementsUnmet = error { reasons = [error.description] }
            return JSON.encode(Failure(error: error.oauthError, errorDescription: error.description,
                                       errorCode: error.code, reasons: reasons, policySet: answer?.policySet))
        }
    }

    private struct Success: Encodable {
        var accessToken: String
        var tokenType: String
        var expiresIn: Int64
        var scope: String
        var issuedTokenType: String?

        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token", tokenType = "token_type", expiresIn = "expires_in", scope
            case issuedTokenType = "issued_token_type"
        }
    }

    private struct Failure: Encodable {
        var error: String
        var errorDescription: String
        var errorCode: String
        var reasons: [String]
        var policySet: String?

        enum CodingKeys: String, CodingKey {
            case error, reasons
            case errorDescription = "error_description", errorCode = "error_code", policySet = "policyset"
        }
    }
}
