/// Why a change to the identity store was refused. Messages follow the house
/// style: one sentence, lowercase, user input in backticks.
public enum IdentityError: Error, Sendable, Equatable, CustomStringConvertible {
    case blueprintExists(String)
    case unknownBlueprint(String)
    case agentExists(String)
    case unknownAgent(String)
    case credentialExists(String)
    case unknownCredential(String)
    case credentialRevoked(String)
    case credentialOfOtherAgent(credential: String, agent: String)
    case invalid(field: String, reason: String)
    case database(String)

    public var description: String {
        switch self {
        case .blueprintExists(let name): "blueprint `\(name)` already exists"
        case .unknownBlueprint(let name): "unknown blueprint `\(name)`"
        case .agentExists(let id): "agent `\(id)` already exists"
        case .unknownAgent(let id): "unknown agent `\(id)`"
        case .credentialExists(let id): "credential `\(id)` is already registered"
        case .unknownCredential(let id): "unknown credential `\(id)`"
        case .credentialRevoked(let id): "credential `\(id)` is revoked"
        case .credentialOfOtherAgent(let credential, let agent):
            "credential `\(credential)` does not belong to agent `\(agent)`"
        case .invalid(let field, let reason): "invalid \(field): \(reason)"
        case .database(let message): "identity store error: \(message)"
        }
    }
}
