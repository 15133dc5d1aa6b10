import ArgumentParser
import Foundation
import Identity

/// `agate identity agent …`
struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Create, list, show, disable and enable agent identities.",
        subcommands: [Create.self, List.self, Show.self, Update.self, Disable.self, Enable.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an agent from a blueprint.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The agent id.") var id: String
        @Option(help: "The blueprint it derives from.") var blueprint: String
        @Option(help: "The accountable human sponsor.") var sponsor: String
        @Option(help: "A display name (default: the id).") var displayName: String?
        @Option(name: .customLong("group"), help: "A group (repeat for more).") var groups: [String] = []
        @Option(name: .customLong("attribute"),
                help: "An attribute `name=value` (integers and true/false are typed; repeat for more).")
        var attributes: [String] = []
        @Option(help: "When the identity expires: RFC 3339, or a duration from now (`30d`).") var expires: String?

        func run() throws {
            try CLI.run {
                let identities = try store.open()
                let agent = Agent(
                    id: id, displayName: displayName ?? id, blueprint: blueprint, sponsor: sponsor, groups: groups,
                    attributes: try AgentCommand.parse(attributes),
                    expires: try expires.map { try CLI.instant($0, now: identities.now) })
                AgentCommand.show(try identities.createAgent(agent, actor: store.who), store: identities,
                                  json: store.json)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List agents, with their effective state.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Only agents of this blueprint.") var blueprint: String?

        func run() throws {
            try CLI.run {
                let identities = try store.open()
                let agents = try identities.agents(blueprint: blueprint)
                if store.json { return CLI.printJSON(agents.map { AgentView($0, store: identities) }) }
                CLI.table(["ID", "STATE", "BLUEPRINT", "SPONSOR", "GROUPS", "EXPIRES"], agents.map {
                    [$0.id, AgentView.standing($0, store: identities), $0.blueprint, $0.sponsor,
                     $0.groups.joined(separator: ","), CLI.time($0.expires)]
                })
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one agent.")
        @OptionGroup var store: StoreOptions
        @Argument var id: String

        func run() throws {
            try CLI.run {
                let identities = try store.open()
                guard let agent = try identities.agent(id: id) else { throw IdentityError.unknownAgent(id) }
                AgentCommand.show(agent, store: identities, json: store.json)
            }
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change an agent's display name, sponsor, groups, attributes or expiry (never its blueprint).")
        @OptionGroup var store: StoreOptions
        @Argument var id: String
        @Option(help: "A new display name.") var displayName: String?
        @Option(help: "A new accountable sponsor.") var sponsor: String?
        @Option(name: .customLong("group"), help: "Replace the groups (repeat for more).") var groups: [String] = []
        @Flag(help: "Remove every group.") var noGroups = false
        @Option(name: .customLong("attribute"), help: "Replace the attributes with `name=value` pairs.")
        var attributes: [String] = []
        @Option(help: "A new expiry: RFC 3339, or a duration from now.") var expires: String?
        @Flag(help: "Remove the expiry.") var noExpiry = false

        func run() throws {
            try CLI.run {
                let identities = try store.open()
                var change = AgentChange(displayName: displayName, sponsor: sponsor)
                if noGroups || !groups.isEmpty { change.groups = groups }
                if !attributes.isEmpty { change.attributes = try AgentCommand.parse(attributes) }
                if noExpiry { change.expires = .some(nil) }
                if let expires { change.expires = .some(try CLI.instant(expires, now: identities.now)) }
                AgentCommand.show(try identities.updateAgent(id, change, actor: store.who), store: identities,
                                  json: store.json)
            }
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an agent; nothing else is touched.")
        @OptionGroup var store: StoreOptions
        @Argument var id: String

        func run() throws {
            try CLI.run {
                let identities = try store.open()
                AgentCommand.show(try identities.setAgentState(id, to: .disabled, actor: store.who), store: identities,
                                  json: store.json)
            }
        }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled agent.")
        @OptionGroup var store: StoreOptions
        @Argument var id: String

        func run() throws {
            try CLI.run {
                let identities = try store.open()
                AgentCommand.show(try identities.setAgentState(id, to: .active, actor: store.who), store: identities,
                                  json: store.json)
            }
        }
    }

    static func parse(_ pairs: [String]) throws -> [String: AttributeValue] {
        var attributes: [String: AttributeValue] = [:]
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw CLIFailure("attribute `\(pair)` is not `name=value`", code: 2)
            }
            let name = String(pair[..<equals]), text = String(pair[pair.index(after: equals)...])
            attributes[name] = if let int = Int64(text) { .int(int) } else if text == "true" { .bool(true) }
                else if text == "false" { .bool(false) } else { .string(text) }
        }
        return attributes
    }

    static func show(_ agent: Agent, store: IdentityStore, json: Bool) {
        if json { return CLI.printJSON(AgentView(agent, store: store)) }
        print("""
            agent         \(agent.id)
            display name  \(agent.displayName)
            state         \(AgentView.standing(agent, store: store))
            blueprint     \(agent.blueprint)
            sponsor       \(agent.sponsor)
            groups        \(agent.groups.joined(separator: ", "))
            attributes    \(agent.attributes.keys.sorted().map { "\($0)=\(describe(agent.attributes[$0]))" }.joined(separator: " "))
            created       \(CLI.time(agent.created))
            expires       \(CLI.time(agent.expires))
            """)
    }

    private static func describe(_ value: AttributeValue?) -> String {
        switch value {
        case .string(let text): text
        case .int(let number): "\(number)"
        case .bool(let flag): "\(flag)"
        case .stringSet(let items): "[" + items.joined(separator: ",") + "]"
        case nil: ""
        }
    }
}

/// An agent with its effective standing (what a token request would meet).
struct AgentView: Encodable {
    var agent: Agent
    var standing: String

    init(_ agent: Agent, store: IdentityStore) {
        self.agent = agent
        standing = Self.standing(agent, store: store)
    }

    /// `active`, or the reason the agent is denied (`disabled`, `expired`, `blueprint disabled`).
    static func standing(_ agent: Agent, store: IdentityStore) -> String {
        switch store.standing(ofAgent: agent.id, at: store.now) {
        case .active: "active"
        case .denied(.agentDisabled): "disabled"
        case .denied(.agentExpired): "expired"
        case .denied(.blueprintDisabled): "blueprint-disabled"
        case .denied(.unknownAgent): "unknown"
        }
    }

    func encode(to encoder: any Encoder) throws {
        try agent.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(standing, forKey: .standing)
    }

    private enum Keys: String, CodingKey { case standing }
}
