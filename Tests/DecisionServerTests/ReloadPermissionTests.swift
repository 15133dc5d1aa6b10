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
    /// The `reload` answer a real client gets from a server configured by `configure`.
    private func reloadAnswer(_ configure: @escaping (inout ServerConfiguration) -> Void) async throws -> String {
        let server = try await InProcessServer.start { configuration, _ in configure(&configuration) }
        defer { server.cleanUp() }
        let client = try await server.connect()
        let answer = try await client.reload()
        await client.close()
        try await server.stop()
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
