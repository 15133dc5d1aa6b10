import DecisionClient
import Foundation
import Logging
import Testing
@testable import DecisionServer
#if canImport(Glibc)
import Glibc
#endif

/// `op: reload` over the socket: allowed to the server's own uid, refused to
/// any other unless `--allow-remote-reload`. The test process cannot change its
/// uid without root, so it plays a foreign peer by giving the server another
/// uid as its own (`serverUID`): the peer's uid still comes from the kernel
/// (`SO_PEERCRED`) on a real socket, and the decision is the server's.
@Suite(.serialized) struct ReloadPermissionTests {
    private static let policy = """
        policyset "reload-permission"
        default deny

        policy block_high_risk {
          when risk.level >= high
          deny "risk is high"
        }
        """

    /// The `reload` answer a real client gets from a server configured by `configure`.
    private func reloadAnswer(_ configure: (inout ServerConfiguration) -> Void) async throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("agate-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let policyPath = directory.appendingPathComponent("main.agate").path
        try Self.policy.write(toFile: policyPath, atomically: true, encoding: .utf8)
        var configuration = ServerConfiguration(policyPaths: [policyPath], socketPath: directory.appendingPathComponent("s.sock").path)
        configuration.threads = 1
        configure(&configuration)
        let server = try DecisionServer(configuration: configuration, logger: Logger(label: "test"))
        let running = Task { try await server.run(handleSignals: false) }
        defer { server.shutdown() }
        var client: DecisionClient?
        for _ in 0..<200 where client == nil {
            client = try? await DecisionClient.connect(socketPath: configuration.socketPath)
            if client == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        let connected = try #require(client)
        let answer = try await connected.reload()
        await connected.close()
        server.shutdown()
        try await running.value
        return answer
    }

    @Test func theServersOwnUIDMayReload() async throws {
        let answer = try await self.reloadAnswer { _ in }
        #expect(answer.contains(#""reload":{"trigger":"op","ok":true"#))
    }

    @Test func anotherUIDIsRefused() async throws {
        let answer = try await self.reloadAnswer { $0.serverUID = getuid() &+ 1 }
        #expect(answer.hasPrefix(#"{"id":"#))
        #expect(answer.contains(#""error":{"code":"forbidden""#))
        #expect(!answer.contains(#""reload":{"#))
    }

    @Test func anotherUIDMayReloadWithAllowRemoteReload() async throws {
        let answer = try await self.reloadAnswer {
            $0.serverUID = getuid() &+ 1
            $0.allowRemoteReload = true
        }
        #expect(answer.contains(#""reload":{"trigger":"op","ok":true"#))
    }
}
