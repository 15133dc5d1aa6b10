import Foundation
import Identity
import Tokens

/// `agate serve --demo`: the bundled policies, a socket and decision log in
/// the working directory, and an embedded identity store with a demo agent
/// the bundled policies allow, created on first run.
enum ServeDemo {
    static let directory = ".agate-demo"
    static let identities = directory + "/identities.db"
    static let keys = directory + "/keys"
    static let policies = "policies"
    static let socket = "./agate.sock"
    static let decisionLog = "./agate-decisions.jsonl"
    static let blueprint = "reporting-demo"
    static let agent = "agent-7"
    static let agentKey = directory + "/agent-7.jwk"
    static let audience = "https://graph.contoso.com"
    /// The bundled `new_agents_need_approval` policy holds tokens of agents
    /// younger than a week for human approval; the demo agent is registered as
    /// eight days old so that a demo token can be issued.
    static let agentAge: Int64 = 8 * 86_400

    /// Creates what is missing at the demo paths: the signing keys, and the
    /// store with the demo blueprint, agent and its key (the agent's private
    /// key in `agentKey`). A store or key directory given on the command line
    /// is used as it is.
    static func prepare(seedStore: Bool, generateKeys: Bool) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let now = Int64(Date().timeIntervalSince1970)
        if generateKeys, !FileManager.default.fileExists(atPath: keys + "/" + SigningKeyStore.fileName) {
            _ = try SigningKeyStore.generate(directory: keys, now: now)
        }
        guard seedStore else { return }
        let actor = ProcessInfo.processInfo.environment["USER"] ?? "agate-demo"
        let store = try IdentityStore(path: identities)
        if try store.blueprint(named: blueprint) == nil {
            _ = try store.createBlueprint(
                Blueprint(name: blueprint, description: "Demo reporting agents: read reports on Microsoft Graph",
                          defaultScopes: ["Reports.Read"], maxTokenLifetime: 3600),
                actor: actor)
        }
        guard try store.agent(id: agent) == nil else { return }
        let backdated = try IdentityStore(path: identities, clock: { now - agentAge })
        _ = try backdated.createAgent(Agent(id: agent, displayName: "Demo reporting agent", blueprint: blueprint,
                                        sponsor: "alice@contoso.com", groups: ["reporting"]), actor: actor)
        let pair = try AgentPrivateKey.generate(.es256)
        guard PrivateFile.write(Data(pair.jwk.utf8), to: agentKey) else {
            throw CLIFailure("cannot write `\(agentKey)`", code: 2)
        }
        _ = try store.addCredential(id: pair.publicKey.keyID, agentID: agent,
                                material: .publicKey(jwk: pair.publicKey.jwk, algorithm: "ES256"), actor: actor)
    }

    /// Copy-pasteable commands to ask the running server, for stderr.
    static func banner(socket: String, executable: String, issuer: String, keys: String, tokens: Bool) -> String {
        let ask = " | socat - UNIX-CONNECT:\(socket)"
        let location = #""location":{"ip":"10.1.2.3","country":"GB"}"#
        var text = """

            agate serve --demo: ask it from another terminal.

            # allowed: agent `\(agent)` (blueprint `\(blueprint)`, from the identity store) reads reports from the office
            echo '{"id":1,"op":"evaluate","request":{"subject":{"id":"\(agent)","kind":"agent"},"audience":"\(audience)","scopes":["Reports.Read"],\(location)}}'\(ask)
            # denied: the same agent connecting from a country Contoso does not operate in
            echo '{"id":2,"op":"evaluate","request":{"subject":{"id":"\(agent)","kind":"agent"},"audience":"\(audience)","scopes":["Reports.Read"],"location":{"ip":"203.0.113.7","country":"US"}}}'\(ask)
            # health
            echo '{"id":3,"op":"health"}'\(ask)

            """
        if tokens {
            text += """
                # a token: the agent signs a client assertion with its key, then asks over the socket
                ASSERTION="$(\(executable) token assertion --key \(agentKey) --agent \(agent) --issuer \(issuer))"
                echo '{"id":4,"op":"token","params":{"grant_type":"client_credentials","client_assertion":"'"$ASSERTION"'","audience":"\(audience)","scope":"Reports.Read",\(location)}}'\(ask)
                # resource servers verify tokens with: \(executable) keys jwks --keys \(keys)

                """
        }
        return text
    }
}
