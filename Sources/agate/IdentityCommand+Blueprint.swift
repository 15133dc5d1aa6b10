import ArgumentParser
import Identity

/// `agate identity blueprint …`
struct BlueprintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blueprint",
        abstract: "Create, list, show, disable and enable blueprints.",
        subcommands: [Create.self, List.self, Show.self, Disable.self, Enable.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a blueprint.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The blueprint name, e.g. `finance-reporting`.") var name: String
        @Option(help: "What agents of this blueprint do.") var description = ""
        @Option(name: .customLong("scope"), help: "A default scope (repeat for more).") var scopes: [String] = []
        @Option(help: "Maximum token lifetime, e.g. `15m` or `1h`.") var maxLifetime = "1h"

        func run() throws {
            try CLI.run {
                let blueprint = try store.open().createBlueprint(
                    Blueprint(name: name, description: description, defaultScopes: scopes,
                              maxTokenLifetime: try CLI.duration(maxLifetime)),
                    actor: store.who)
                BlueprintCommand.show(blueprint, json: store.json)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List blueprints.")
        @OptionGroup var store: StoreOptions

        func run() throws {
            try CLI.run {
                let blueprints = try store.open().blueprints()
                if store.json { return CLI.printJSON(blueprints) }
                CLI.table(["NAME", "STATE", "MAX LIFETIME", "DEFAULT SCOPES", "DESCRIPTION"], blueprints.map {
                    [$0.name, $0.state.rawValue, "\($0.maxTokenLifetime)s", $0.defaultScopes.joined(separator: " "),
                     $0.description]
                })
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one blueprint.")
        @OptionGroup var store: StoreOptions
        @Argument var name: String

        func run() throws {
            try CLI.run {
                guard let blueprint = try store.open().blueprint(named: name) else {
                    throw IdentityError.unknownBlueprint(name)
                }
                BlueprintCommand.show(blueprint, json: store.json)
            }
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable a blueprint: every agent made from it is denied.")
        @OptionGroup var store: StoreOptions
        @Argument var name: String

        func run() throws {
            try CLI.run {
                BlueprintCommand.show(try store.open().setBlueprintState(name, to: .disabled, actor: store.who),
                                      json: store.json)
            }
        }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled blueprint.")
        @OptionGroup var store: StoreOptions
        @Argument var name: String

        func run() throws {
            try CLI.run {
                BlueprintCommand.show(try store.open().setBlueprintState(name, to: .active, actor: store.who),
                                      json: store.json)
            }
        }
    }

    static func show(_ blueprint: Blueprint, json: Bool) {
        if json { return CLI.printJSON(blueprint) }
        print("""
            blueprint       \(blueprint.name)
            state           \(blueprint.state.rawValue)
            description     \(blueprint.description)
            default scopes  \(blueprint.defaultScopes.joined(separator: " "))
            max lifetime    \(blueprint.maxTokenLifetime)s
            created         \(CLI.time(blueprint.created))
            """)
    }
}
