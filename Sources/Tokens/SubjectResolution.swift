import Identity
import PolicyLanguage
import PolicyVM

/// The subject of a request as the identity store knows it, or why it is
/// refused before any policy runs.
public enum SubjectResolution: Sendable, Equatable {
    /// The subject with blueprint, sponsor, groups and attributes from the record.
    case active(Request.Subject)
    case denied(DenialReason)
}

extension IdentityStore {
    /// Resolves a subject id named by a caller. Only the id comes from the
    /// caller: kind, blueprint, sponsor, groups and attributes come from the
    /// record, so a caller cannot claim a blueprint it does not have. Unknown,
    /// disabled and expired agents, and agents of a disabled blueprint, are
    /// denied with that reason.
    public func resolveSubject(id: String, at time: Int64) -> SubjectResolution {
        switch standing(ofAgent: id, at: time) {
        case .denied(let reason): .denied(reason)
        case .active(let agent, _): .active(Request.Subject(agent: agent))
        }
    }
}

extension Request.Subject {
    /// The request subject for an agent record.
    public init(agent: Agent) {
        self.init(id: agent.id, kind: .agent, blueprint: agent.blueprint, sponsor: agent.sponsor,
                  groups: agent.groups, created: agent.created,
                  attributes: agent.attributes.mapValues(DynamicValue.init(attribute:)))
    }
}

extension DynamicValue {
    init(attribute: AttributeValue) {
        switch attribute {
        case .string(let value): self = .string(value)
        case .int(let value): self = .int(value)
        case .bool(let value): self = .bool(value)
        case .stringSet(let value): self = .stringSet(value)
        }
    }
}
