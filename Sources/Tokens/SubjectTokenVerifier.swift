import JWTKit
import PolicyLanguage

/// What a verified subject token says about whom the caller acts for.
struct Delegation: Sendable, Equatable {
    /// The root of the chain: the token's `sub`.
    var origin: ChainActor
    /// Earlier actors, most recent first (the token's `act` chain).
    var actors: [ChainActor]

    /// `on_behalf_of` order: from the origin to the immediate delegator.
    var onBehalfOf: [ChainActor] { [origin] + actors.reversed() }
}

/// Checks an RFC 8693 `subject_token`: a token this issuer signed, still
/// valid, and issued to the agent that now presents it.
struct SubjectTokenVerifier: Sendable {
    let issuer: String
    let keys: SigningKeyStore

    private struct Claims: Decodable {
        var iss: String
        var sub: String
        var aud: AudienceList
        var exp: Int64
        var kind: String?
        var act: ActorChain?
    }

    func verify(_ token: String, actor agentID: String, at now: Int64) async throws -> Delegation {
        let jws: CompactJWS, claims: Claims
        do {
            jws = try CompactJWS(token)
            claims = try jws.claims(Claims.self)
        } catch {
            throw TokenError.badSubjectToken("it is not a JWT with `iss`, `sub`, `aud` and `exp` and a well-formed `act` chain")
        }
        // Checked before the signature only to say clearly why it fails: a
        // foreign token could never verify against this issuer's keys anyway.
        guard claims.iss == issuer else { throw TokenError.foreignSubjectToken(issuer: claims.iss) }
        guard jws.algorithm == "ES256" else { throw TokenError.badSubjectToken("it is signed with `\(jws.algorithm)`") }
        do {
            _ = try await keys.keyCollection().verify(token, as: AccessTokenClaims.self)
        } catch {
            throw TokenError.badSubjectToken("its signature does not verify against this issuer's keys")
        }
        guard claims.exp + AssertionVerifier.leeway > now else { throw TokenError.subjectTokenExpired }
        guard claims.aud.values.contains(agentID) || claims.aud.values.contains(issuer) else {
            throw TokenError.subjectTokenNotForActor(audience: claims.aud.values, actor: agentID)
        }
        let actors = claims.act?.actors ?? []
        guard actors.count + 1 < ActorChain.maximumLength else { throw TokenError.chainTooLong(actors.count + 1) }
        let origin = ChainActor(id: claims.sub, kind: claims.kind.flatMap(SubjectKind.named) ?? .user)
        return Delegation(origin: origin, actors: actors)
    }
}
