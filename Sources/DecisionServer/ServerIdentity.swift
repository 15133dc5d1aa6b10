import Identity
import Tokens

/// The identity store (`--identities`) and token issuer (`--keys`) a server
/// uses: subjects of `evaluate` are resolved from the store, and `op: token`
/// issues tokens with the serving policy set.
public struct ServerIdentity: Sendable {
    public let store: IdentityStore
    /// Absent without signing keys: `op: token` then answers `unavailable`.
    public let tokens: TokenService?

    public init(store: IdentityStore, tokens: TokenService?) {
        self.store = store
        self.tokens = tokens
    }
}
