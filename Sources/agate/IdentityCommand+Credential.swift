import ArgumentParser
import Foundation
import Identity
import Tokens

/// `agate identity credential …`
struct CredentialCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credential",
        abstract: "Register, list, rotate and revoke the keys agents prove themselves with.",
        subcommands: [Add.self, List.self, Rotate.self, Revoke.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a public key (JWK file), or a federated issuer with --issuer/--subject/--jwks.")
        @OptionGroup var store: StoreOptions
        @Option(help: "The agent the credential belongs to.") var agent: String
        @Option(help: "A public JWK (EC P-256 or OKP Ed25519) file; `-` reads stdin.") var jwk: String?
        @Option(help: "Federated: the trusted external issuer (`iss`).") var issuer: String?
        @Option(help: "Federated: the subject (`sub`) that stands for the agent.") var subject: String?
        @Option(help: "Federated: the issuer's JWKS file.") var jwks: String?

        func run() throws {
            try CLI.run {
                let (id, material) = try CredentialCommand.material(jwk: jwk, issuer: issuer, subject: subject,
                                                                    jwks: jwks)
                let credential = try store.open().addCredential(id: id, agentID: agent, material: material,
                                                                actor: store.who)
                CredentialCommand.show([credential], json: store.json)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an agent's credentials.")
        @OptionGroup var store: StoreOptions
        @Option(help: "The agent.") var agent: String

        func run() throws {
            try CLI.run {
                let identities = try store.open()
                guard try identities.agent(id: agent) != nil else { throw IdentityError.unknownAgent(agent) }
                CredentialCommand.show(try identities.credentials(ofAgent: agent), json: store.json)
            }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a credential with a new one: the new one is added and the old revoked, atomically.")
        @OptionGroup var store: StoreOptions
        @Option(help: "The agent.") var agent: String
        @Option(help: "The credential id to replace.") var replace: String
        @Option(help: "The new public JWK file.") var jwk: String?
        @Option(help: "Federated: the trusted external issuer.") var issuer: String?
        @Option(help: "Federated: the subject.") var subject: String?
        @Option(help: "Federated: the issuer's JWKS file.") var jwks: String?

        func run() throws {
            try CLI.run {
                let (id, material) = try CredentialCommand.material(jwk: jwk, issuer: issuer, subject: subject,
                                                                    jwks: jwks)
                let credential = try store.open().rotateCredential(replace, agentID: agent, newID: id,
                                                                   material: material, actor: store.who)
                CredentialCommand.show([credential], json: store.json)
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a credential for good.")
        @OptionGroup var store: StoreOptions
        @Option(help: "The agent.") var agent: String
        @Argument(help: "The credential id (the key's `kid`).") var id: String

        func run() throws {
            try CLI.run {
                let identities = try store.open()
                try identities.revokeCredential(id, agentID: agent, actor: store.who)
                CredentialCommand.show(try identities.credentials(ofAgent: agent).filter { $0.id == id },
                                       json: store.json)
            }
        }
    }

    /// Validates what the user gave and names the credential: a key by its
    /// `kid` (or thumbprint), a federation by a fresh id.
    static func material(jwk: String?, issuer: String?, subject: String?, jwks: String?) throws
        -> (String, CredentialMaterial)
    {
        if let jwk {
            guard issuer == nil, subject == nil, jwks == nil else {
                throw CLIFailure("give either --jwk or --issuer/--subject/--jwks, not both", code: 2)
            }
            do {
                let key = try AgentPublicKey(jwk: try CLI.readFile(jwk))
                return (key.keyID, .publicKey(jwk: key.jwk, algorithm: key.algorithm.rawValue))
            } catch let error as KeyError {
                throw CLIFailure(error.description)
            }
        }
        guard let issuer, let subject, let jwks else {
            throw CLIFailure("give --jwk FILE, or all of --issuer, --subject and --jwks", code: 2)
        }
        let set = try CLI.readFile(jwks)
        do {
            try FederatedJWKS.validate(set)
        } catch {
            throw CLIFailure("`\(jwks)`: \(error.description)")
        }
        return ("fed-" + UUID().uuidString.lowercased().prefix(12), .federated(issuer: issuer, subject: subject, jwks: set))
    }

    static func show(_ credentials: [Credential], json: Bool) {
        let views = credentials.map(CredentialView.init)
        if json { return CLI.printJSON(views) }
        CLI.table(["ID", "KIND", "STATE", "DETAIL", "CREATED"], views.map {
            [$0.id, $0.kind, $0.state, $0.algorithm ?? "\($0.issuer ?? "") \($0.subject ?? "")", CLI.time($0.created)]
        })
    }
}

/// A credential for display: public material only, as stored.
struct CredentialView: Encodable {
    var id: String
    var agent: String
    var kind: String
    var state: String
    var algorithm: String?
    var issuer: String?
    var subject: String?
    var created: Int64
    var revoked: Int64?

    init(_ credential: Credential) {
        id = credential.id
        agent = credential.agentID
        kind = credential.material.kind
        state = credential.state.rawValue
        created = credential.created
        revoked = credential.revoked
        switch credential.material {
        case .publicKey(_, let alg): algorithm = alg
        case .federated(let iss, let sub, _): (issuer, subject) = (iss, sub)
        }
    }
}
