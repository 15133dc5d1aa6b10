import ArgumentParser
import Foundation
import Identity
import Tokens

/// `agate identity demo`: a blueprint, an agent and its key, to try token
/// issuance in one step.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create a demo blueprint and agent with a fresh key pair, to try `agate token issue`.")

    @OptionGroup var store: StoreOptions
    @Option(help: "The demo agent's id.") var agent = "demo-agent"
    @Option(help: "Where to write the agent's private JWK (mode 0600).") var key = "demo-agent.jwk"

    func run() throws {
        try CLI.run {
            let identities = try store.open()
            if try identities.blueprint(named: "demo-reader") == nil {
                try identities.createBlueprint(
                    Blueprint(name: "demo-reader", description: "Demo agents that read reports",
                              defaultScopes: ["Reports.Read"], maxTokenLifetime: 900),
                    actor: store.who)
            }
            try identities.createAgent(Agent(id: agent, displayName: "Demo agent", blueprint: "demo-reader",
                                             sponsor: store.who), actor: store.who)
            let pair = try KeysCommand.attempt { try AgentPrivateKey.generate(.es256) }
            guard PrivateFile.write(Data(pair.jwk.utf8), to: key) else {
                throw CLIFailure("cannot write `\(key)`", code: 2)
            }
            try identities.addCredential(id: pair.publicKey.keyID, agentID: agent,
                                         material: .publicKey(jwk: pair.publicKey.jwk, algorithm: "ES256"),
                                         actor: store.who)
            print("""
                created blueprint `demo-reader` and agent `\(agent)`; its private key is in `\(key)`
                try:  agate token issue --db \(store.db) --keys KEYS --policies POLICIES \\
                        --assertion "$(agate token assertion --key \(key) --agent \(agent))" \\
                        --audience https://reports.example.com
                """)
        }
    }
}
