import DecisionClient
import Foundation
import Logging
import Testing
@testable import DecisionServer

/// A real `DecisionServer` on a real socket in a temporary folder, in this process.
struct InProcessServer {
    static let policy = """
        policyset "in-process"
        default deny

        policy block_high_risk {
          when risk.level >= high
          deny "risk is high"
        }
        """

    let directory: URL
    let configuration: ServerConfiguration
    let server: DecisionServer
    let running: Task<Void, any Error>

    var logPath: String { self.directory.appendingPathComponent("decisions.jsonl").path }

    /// Starts a server configured by `configure` (policies and socket are set).
    static func start(_ configure: (inout ServerConfiguration, URL) -> Void = { _, _ in }) async throws -> InProcessServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("agate-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let policyPath = directory.appendingPathComponent("main.agate").path
        try Self.policy.write(toFile: policyPath, atomically: true, encoding: .utf8)
        var configuration = ServerConfiguration(policyPaths: [policyPath], socketPath: directory.appendingPathComponent("s.sock").path)
        configuration.threads = 1
        configure(&configuration, directory)
        let server = try DecisionServer(configuration: configuration, logger: Logger(label: "test"))
        let running = Task { try await server.run(handleSignals: false) }
        return InProcessServer(directory: directory, configuration: configuration, server: server, running: running)
    }

    func connect() async throws -> DecisionClient {
        for _ in 0..<300 {
            if let client = try? await DecisionClient.connect(socketPath: self.configuration.socketPath) { return client }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await DecisionClient.connect(socketPath: self.configuration.socketPath)
    }

    /// Shuts down gracefully and waits until the server has stopped (log flushed).
    func stop() async throws {
        self.server.shutdown()
        try await self.running.value
    }

    func cleanUp() {
        self.server.shutdown()
        try? FileManager.default.removeItem(at: self.directory)
    }
}
