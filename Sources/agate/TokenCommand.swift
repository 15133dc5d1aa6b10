import ArgumentParser
import Foundation
import Identity
import PolicyVM
import Tokens

/// `agate token …`: ask for an access token, or make a client assertion.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Issue access tokens after policy says yes; sign client assertions.",
        subcommands: [Issue.self, Assertion.self]
    )

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask for an access token: verify the agent, decide with the policies, sign on allow.",
            discussion: """
                Prints the OAuth token response (or error response) as JSON. Exit status: 0 issued, \
                1 refused (access_denied, invalid_client, invalid_grant), 2 usage or I/O error.
                """)
        @Option(help: "The identity store.") var db: String
        @Option(help: "The signing key directory.") var keys: String
        @Option(help: "Policy file or folder (repeat for more).") var policies: [String]
        @Option(help: "A client assertion (RFC 7523); `@FILE` reads it from a file.") var assertion: String?
        @Option(help: "A federated token from a trusted issuer (jwt-bearer grant); `@FILE` reads a file.")
        var federated: String?
        @Option(help: "Token exchange: the subject token to act on behalf of; `@FILE` reads a file.")
        var subjectToken: String?
        @Option(help: "The one resource the token is for.") var audience: String
        @Option(name: .customLong("scope"), help: "A scope (repeat for more; none asks for the blueprint's defaults).")
        var scopes: [String] = []
        @Option(help: "The caller's IP address.") var ip = "127.0.0.1"
        @Option(help: "The caller's country (ISO 3166-1 alpha-2).") var country: String?
        @Option(help: "This issuer's identifier.") var issuer = TokenService.defaultIssuer
        @Flag(help: "Also print the token's claims.") var claims = false

        func run() async throws {
            do {
                let decider = try loadPolicies()
                let store = try IdentityStore(path: db)
                let signing = try SigningKeyStore.load(directory: keys)
                let service = TokenService(issuer: issuer, store: store, keys: signing)
                let call = TokenCall(grant: try grant(), audience: audience, scopes: scopes, ip: ip, country: country,
                                     time: Int64(Date().timeIntervalSince1970))
                let result = await service.issue(call, decide: decider.decide)
                print(result.json)
                if claims, let token = result.token { CLI.printJSON(token.claims) }
                if result.token == nil { throw ExitCode(1) }
            } catch let failure as CLIFailure {
                CLI.printError(failure.description)
                throw ExitCode(failure.code)
            } catch let error as KeyError {
                CLI.printError(error.description)
                throw ExitCode(2)
            } catch let error as IdentityError {
                CLI.printError(error.description)
                throw ExitCode(2)
            }
        }

        private func loadPolicies() throws -> PolicyDecider {
            do {
                return try PolicyDecider.load(paths: policies)
            } catch {
                throw CLIFailure("cannot load the policies:\n" + error.description, code: 2)
            }
        }

        private func grant() throws -> TokenCall.Grant {
            switch (assertion, federated, subjectToken) {
            case (let assertion?, nil, nil): return .clientCredentials(assertion: try Self.value(assertion))
            case (nil, let token?, nil): return .federated(assertion: try Self.value(token))
            case (let assertion?, nil, let subject?):
                return .tokenExchange(subjectToken: try Self.value(subject), actorAssertion: try Self.value(assertion))
            default:
                throw CLIFailure(
                    "give --assertion, --federated, or --assertion with --subject-token (token exchange)", code: 2)
            }
        }

        static func value(_ text: String) throws -> String {
            guard text.hasPrefix("@") else { return text }
            return try CLI.readFile(String(text.dropFirst())).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    struct Assertion: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign an RFC 7523 client assertion with an agent's private JWK (to try token issuance).")
        @Option(help: "The agent's private JWK file.") var key: String
        @Option(help: "The agent id (`iss` and `sub`).") var agent: String
        @Option(help: "The issuer the assertion is for (`aud`).") var issuer = TokenService.defaultIssuer
        @Option(help: "How long the assertion is valid, e.g. `2m` (at most 5m is accepted).") var lifetime = "2m"

        func run() async throws {
            do {
                let privateKey = try AgentPrivateKey(jwk: try CLI.readFile(key))
                print(try await privateKey.clientAssertion(agentID: agent, audience: issuer,
                                                           now: Int64(Date().timeIntervalSince1970),
                                                           lifetime: try CLI.duration(lifetime)))
            } catch let failure as CLIFailure {
                CLI.printError(failure.description)
                throw ExitCode(failure.code)
            } catch {
                CLI.printError("\(error)")
                throw ExitCode(1)
            }
        }
    }
}
