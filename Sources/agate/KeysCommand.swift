import ArgumentParser
import Foundation
import Tokens

/// `agate keys …`: this issuer's signing keys, and key pairs for agents.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Generate, rotate and publish the ES256 keys Agate signs tokens with.",
        subcommands: [Generate.self, Rotate.self, Retire.self, JWKSCommand.self, Pair.self]
    )

    struct KeyDirectory: ParsableArguments {
        @Option(help: "The directory holding the signing keys (created 0700; the key file is 0600).")
        var keys: String
    }

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create the first signing key.")
        @OptionGroup var directory: KeyDirectory

        func run() throws {
            try CLI.run {
                let store = try KeysCommand.attempt {
                    try SigningKeyStore.generate(directory: directory.keys, now: Int64(Date().timeIntervalSince1970))
                }
                print(store.activeKey.keyID)
            }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new active key; older keys keep verifying until retired.")
        @OptionGroup var directory: KeyDirectory

        func run() throws {
            try CLI.run {
                var store = try KeysCommand.attempt { try SigningKeyStore.load(directory: directory.keys) }
                let key = try KeysCommand.attempt { try store.rotate(now: Int64(Date().timeIntervalSince1970)) }
                print(key.keyID)
            }
        }
    }

    struct Retire: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a previous key: tokens it signed stop verifying.")
        @OptionGroup var directory: KeyDirectory
        // A kid is a base64url thumbprint, so one in 64 starts with `-`.
        @Argument(help: "The key id (`kid`); put `--` before one that starts with `-`.") var kid: String

        func run() throws {
            try CLI.run {
                var store = try KeysCommand.attempt { try SigningKeyStore.load(directory: directory.keys) }
                try KeysCommand.attempt { try store.retire(keyID: kid) }
            }
        }
    }

    struct JWKSCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "jwks", abstract: "Print the public JWKS.")
        @OptionGroup var directory: KeyDirectory

        func run() throws {
            try CLI.run {
                print(try KeysCommand.attempt { try SigningKeyStore.load(directory: directory.keys) }.jwks())
            }
        }
    }

    struct Pair: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pair",
            abstract: "Generate a key pair for an agent: a private JWK (kept by the agent) and its public JWK.")
        @Option(help: "ES256 or EdDSA.") var alg = "ES256"
        @Option(name: .customLong("private"), help: "Where to write the private JWK (mode 0600).") var privatePath: String
        @Option(name: .customLong("public"), help: "Where to write the public JWK.") var publicPath: String

        func run() throws {
            try CLI.run {
                guard let algorithm = AssertionAlgorithm(rawValue: alg) else {
                    throw CLIFailure("`--alg` is ES256 or EdDSA, not `\(alg)`", code: 2)
                }
                let key = try KeysCommand.attempt { try AgentPrivateKey.generate(algorithm) }
                guard PrivateFile.write(Data(key.jwk.utf8), to: privatePath),
                      FileManager.default.createFile(atPath: publicPath, contents: Data(key.publicKey.jwk.utf8))
                else { throw CLIFailure("cannot write the key files", code: 2) }
                print(key.publicKey.keyID)
            }
        }
    }

    static func attempt<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as KeyError {
            throw CLIFailure(error.description)
        }
    }
}
