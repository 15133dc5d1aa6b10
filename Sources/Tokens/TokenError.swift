/// Why a token request was refused. Each case has a stable `code` (tests and
/// scripts match it), the OAuth error it answers with (RFC 6749 §5.2), and a
/// one-sentence description.
public enum TokenError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformedAssertion(String)
    case algorithmNotAllowed(String)
    case algorithmMismatch(header: String, key: String)
    case unknownKey(agent: String, keyID: String?)
    case badSignature
    case assertionExpired(exp: Int64, now: Int64)
    case assertionNotYetValid(Int64)
    case assertionTooLong(seconds: Int64, limit: Int64)
    case issuerSubjectMismatch(iss: String, sub: String)
    case wrongAudience([String], expected: String)
    case missingJTI
    case replayedAssertion(String)
    case unknownFederatedSubject(issuer: String, subject: String)
    case foreignSubjectToken(issuer: String)
    case badSubjectToken(String)
    case subjectTokenExpired
    case subjectTokenNotForActor(audience: [String], actor: String)
    case chainTooLong(Int)
    case delegationRevoked(agent: String, reason: String)
    case invalidRequest(String)
    case subjectDenied(code: String, reason: String)
    case policyDenied(reasons: [String])
    case requirementsUnmet([String])
    case serverError(String)

    /// The OAuth 2.0 `error` value.
    public var oauthError: String {
        switch self {
        case .malformedAssertion, .algorithmNotAllowed, .algorithmMismatch, .unknownKey, .badSignature, .assertionExpired,
             .assertionNotYetValid, .assertionTooLong, .issuerSubjectMismatch, .wrongAudience, .missingJTI,
             .replayedAssertion, .unknownFederatedSubject:
            "invalid_client"
        case .foreignSubjectToken, .badSubjectToken, .subjectTokenExpired, .subjectTokenNotForActor, .chainTooLong,
             .delegationRevoked:
            "invalid_grant"
        case .invalidRequest: "invalid_request"
        case .subjectDenied, .policyDenied, .requirementsUnmet: "access_denied"
        case .serverError: "server_error"
        }
    }

    /// A stable, specific code for logs, tests and scripts.
    public var code: String {
        switch self {
        case .malformedAssertion: "malformed_assertion"
        case .algorithmNotAllowed: "algorithm_not_allowed"
        case .algorithmMismatch: "algorithm_mismatch"
        case .unknownKey: "unknown_key"
        case .badSignature: "bad_signature"
        case .assertionExpired: "assertion_expired"
        case .assertionNotYetValid: "assertion_not_yet_valid"
        case .assertionTooLong: "assertion_lifetime_too_long"
        case .issuerSubjectMismatch: "issuer_subject_mismatch"
        case .wrongAudience: "wrong_audience"
        case .missingJTI: "missing_jti"
        case .replayedAssertion: "replayed_assertion"
        case .unknownFederatedSubject: "unknown_federated_subject"
        case .foreignSubjectToken: "foreign_subject_token"
        case .badSubjectToken: "bad_subject_token"
        case .subjectTokenExpired: "subject_token_expired"
        case .subjectTokenNotForActor: "subject_token_not_for_actor"
        case .chainTooLong: "delegation_chain_too_long"
        case .delegationRevoked: "delegation_revoked"
        case .invalidRequest: "invalid_request"
        case .subjectDenied(let code, _): code
        case .policyDenied: "policy_denied"
        case .requirementsUnmet: "requirements_unmet"
        case .serverError: "server_error"
        }
    }

    public var description: String {
        switch self {
        case .malformedAssertion(let why): "the assertion is not a valid JWT: \(why)"
        case .algorithmNotAllowed(let alg):
            "the assertion is signed with `\(alg)`, which is not accepted; sign with ES256 or EdDSA"
        case .algorithmMismatch(let header, let key):
            "the assertion says `\(header)` but the agent's key is for \(key)"
        case .unknownKey(let agent, let kid):
            if let kid { "agent `\(agent)` has no active key `\(kid)`" } else { "agent `\(agent)` has no active key" }
        case .badSignature: "the assertion's signature does not verify against the agent's registered key"
        case .assertionExpired(let exp, let now): "the assertion expired at \(exp) (now \(now))"
        case .assertionNotYetValid(let nbf): "the assertion is not valid before \(nbf)"
        case .assertionTooLong(let seconds, let limit):
            "the assertion expires \(seconds)s from now; at most \(limit)s is accepted"
        case .issuerSubjectMismatch(let iss, let sub):
            "the assertion's `iss` `\(iss)` and `sub` `\(sub)` must both be the agent id"
        case .wrongAudience(let audience, let expected):
            "the assertion's audience `\(audience.joined(separator: " "))` is not this issuer `\(expected)`"
        case .missingJTI: "the assertion has no `jti`; a unique id is required to stop replays"
        case .replayedAssertion(let jti): "the assertion `jti` `\(jti)` was already used"
        case .unknownFederatedSubject(let issuer, let subject):
            "no agent trusts issuer `\(issuer)` for subject `\(subject)`"
        case .foreignSubjectToken(let issuer): "the subject token was issued by `\(issuer)`, not by this issuer"
        case .badSubjectToken(let why): "the subject token cannot be used: \(why)"
        case .subjectTokenExpired: "the subject token has expired"
        case .subjectTokenNotForActor(let audience, let actor):
            "the subject token's audience `\(audience.joined(separator: " "))` does not include agent `\(actor)`"
        case .chainTooLong(let length): "the delegation chain has \(length) hops, more than this issuer carries"
        case .delegationRevoked(let agent, let reason):
            "the subject token delegates through agent `\(agent)`, which is no longer in good standing: \(reason)"
        case .invalidRequest(let why): why
        case .subjectDenied(_, let reason): reason
        case .policyDenied(let reasons):
            reasons.isEmpty ? "denied by policy" : "denied by policy: " + reasons.joined(separator: "; ")
        case .requirementsUnmet(let requirements):
            "policy allows this only with " + requirements.map { "`\($0)`" }.joined(separator: ", ")
                + ", which token issuance cannot check"
        case .serverError(let why): why
        }
    }
}
