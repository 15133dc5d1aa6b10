import ArgumentParser
import DecisionServer
import Foundation
import Identity
import Logging
import Tokens

/// `agate serve`: the decision server on a Unix domain socket.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Answer decision requests over a Unix domain socket (newline-delimited JSON).",
        discussion: "SIGHUP reloads the policies; SIGTERM or SIGINT stops accepting, answers what was read, flushes the decision log and exits 0. See docs/server.md."
    )

    @Option(name: .long, help: "A policy file or a folder of *.agate files (repeatable).")
    var policies: [String] = []

    @Option(name: .long, help: "Path of the Unix socket to listen on.")
    var socket: String?

    @Flag(name: .long, help: "Demo defaults: policies/, ./agate.sock, ./agate-decisions.jsonl, and an identity store with a demo agent and signing keys in ./.agate-demo (created on first run).")
    var demo = false

    @Option(name: .long, help: "The identity store (SQLite): subjects of `evaluate` are resolved from it, and `op: token` uses it.")
    var identities: String?

    @Option(name: .long, help: "The signing-key directory (`agate keys generate`), for `op: token`.")
    var keys: String?

    @Option(name: .long, help: "This issuer's identifier (the `iss` of tokens, the `aud` of client assertions).")
    var issuer: String = TokenService.defaultIssuer

    @Option(name: .long, help: "Permission bits of the socket file, octal.")
    var socketMode: String = "0660"

    @Option(name: .long, help: "Serve only peers with this uid (repeatable; checked with SO_PEERCRED).")
    var allowUid: [UInt32] = []

    @Option(name: .long, help: "Serve only peers with this gid (repeatable).")
    var allowGid: [UInt32] = []

    @Flag(name: .long, help: "Let peers other than the server's own user use `op: reload`.")
    var allowRemoteReload = false

    @Option(name: .long, help: "Longest request line in bytes; a longer line closes the connection.")
    var maxLine: Int = 64 * 1024

    @Option(name: .long, help: "Close connections silent for this many seconds (0: never).")
    var idleTimeout: Double = 300

    @Option(name: .long, help: "Most simultaneous connections; more are refused with an error line.")
    var maxConnections: Int = 1024

    @Option(name: .long, help: "Append every decision to this JSONL file.")
    var decisionLog: String?

    @Option(name: .long, help: "Longest time, in seconds, a decision waits in memory before it is written.")
    var logFlushInterval: Double = DecisionLogOptions.defaultFlushInterval

    @Flag(name: .long, help: "fsync the decision log after every batch written.")
    var logSync = false

    @Option(name: .long, help: "Rotate the decision log when it reaches this many bytes.")
    var logMaxBytes: Int64?

    @Option(name: .long, help: "Rotated decision logs kept (F.1 … F.n).")
    var logMaxFiles: Int = 10

    @Option(name: .long, help: "Decision-log bytes queued in memory before answers wait (backpressure).")
    var logQueueBytes: Int = 8 << 20

    @Flag(name: .long, help: "Reload when a policy file changes (polled every second).")
    var watch = false

    @Option(name: .long, help: "Event-loop threads (default: one per core).")
    var threads: Int?

    @Option(name: .long, help: "Seconds to let connections finish answering on shutdown.")
    var shutdownGrace: Double = 5

    @Option(name: .long, help: "Server log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel: String = "info"

    func validate() throws {
        if !self.demo {
            guard !self.policies.isEmpty else { throw ValidationError("missing --policies (or use --demo)") }
            guard self.socket != nil else { throw ValidationError("missing --socket (or use --demo)") }
        }
        if self.keys != nil, self.identities == nil, !self.demo {
            throw ValidationError("--keys needs --identities: tokens are issued to agents in the identity store")
        }
        guard UInt32(self.socketMode, radix: 8) != nil else {
            throw ValidationError("--socket-mode must be octal permission bits, like 0660")
        }
        guard self.maxLine > 0 else { throw ValidationError("--max-line must be positive") }
        guard self.maxConnections > 0 else { throw ValidationError("--max-connections must be positive") }
        guard Logger.Level(rawValue: self.logLevel) != nil else { throw ValidationError("unknown --log-level `\(self.logLevel)`") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: self.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "agate.serve")
        let server: DecisionServer
        do {
            var configuration = self.serverConfiguration()
            let identities = self.identities ?? (self.demo ? ServeDemo.identities : nil)
            let keys = self.keys ?? (self.demo ? ServeDemo.keys : nil)
            if self.demo {
                try ServeDemo.prepare(seedStore: self.identities == nil, generateKeys: self.keys == nil)
            }
            configuration.identity = try identities.map { path in
                let store = try IdentityStore(path: path)
                let tokens = try keys.map { TokenService(issuer: self.issuer, store: store, keys: try SigningKeyStore.load(directory: $0)) }
                return ServerIdentity(store: store, tokens: tokens)
            }
            server = try DecisionServer(configuration: configuration, logger: logger)
            if self.demo {
                let banner = ServeDemo.banner(socket: configuration.socketPath, executable: CommandLine.arguments[0],
                                              issuer: self.issuer, keys: keys!, tokens: configuration.identity?.tokens != nil)
                FileHandle.standardError.write(Data(banner.utf8))
            }
            try await server.run()
        } catch {
            logger.critical("agate serve cannot start: \(error)")
            throw ExitCode(2)
        }
    }

    private func serverConfiguration() -> ServerConfiguration {
        let policies = self.policies.isEmpty ? [ServeDemo.policies] : self.policies
        var configuration = ServerConfiguration(policyPaths: policies, socketPath: self.socket ?? ServeDemo.socket)
        configuration.socketMode = UInt32(self.socketMode, radix: 8) ?? 0o660
        configuration.allowedUIDs = self.allowUid
        configuration.allowedGIDs = self.allowGid
        configuration.allowRemoteReload = self.allowRemoteReload
        configuration.maximumLineLength = self.maxLine
        configuration.idleTimeout = self.idleTimeout > 0 ? self.idleTimeout : nil
        configuration.maximumConnections = self.maxConnections
        configuration.watch = self.watch
        if let threads = self.threads { configuration.threads = threads }
        configuration.shutdownGrace = self.shutdownGrace
        configuration.decisionLog = (self.decisionLog ?? (self.demo ? ServeDemo.decisionLog : nil)).map {
            DecisionLogOptions(path: $0, flushInterval: self.logFlushInterval, sync: self.logSync,
                               maxBytes: self.logMaxBytes, maxFiles: self.logMaxFiles, queueLimitBytes: self.logQueueBytes)
        }
        return configuration
    }
}
