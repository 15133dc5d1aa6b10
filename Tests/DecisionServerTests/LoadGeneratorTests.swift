import DecisionClient
import Testing

/// `agate bench-server`'s load generator against a real server: it must see
/// every answer, and count what is not a decision for its request as an error.
@Suite struct LoadGeneratorTests {
    private let good = #"{"subject":{"id":"a","kind":"agent"},"audience":"https://x","location":{"ip":"10.1.2.3"}}"#

    @Test func countsEveryAnswerOfPipelinedConnections() async throws {
        let server = try await InProcessServer.start()
        defer { server.cleanUp() }
        await (try await server.connect()).close()  // the server is up
        let plan = LoadGenerator.Plan(socketPath: server.configuration.socketPath, connections: 3, depth: 7,
                                      requests: 2000, requestBodies: [self.good, self.good.replacingOccurrences(of: "\"a\"", with: "\"b\"")])
        let report = try await LoadGenerator(plan: plan).run()
        try await server.stop()
        #expect(report.answered == 2000)
        #expect(report.errors == 0)
    }

    @Test func aPacedRunReportsHowLateTheGeneratorSent() async throws {
        let server = try await InProcessServer.start()
        defer { server.cleanUp() }
        await (try await server.connect()).close()  // the server is up
        let plan = LoadGenerator.Plan(socketPath: server.configuration.socketPath, connections: 2, depth: 4,
                                      requests: 200, requestBodies: [self.good], rate: 4000)
        let report = try await LoadGenerator(plan: plan).run()
        try await server.stop()
        #expect(report.answered == 200)
        #expect(report.errors == 0)
        // 200 requests at 4,000/s take 50 ms at least.
        #expect(report.seconds >= 0.049)
        #expect(report.sendLagMicroseconds(at: 50) != nil)
        #expect(report.description.contains("sent late µs"))
    }

    @Test func anErrorAnswerIsCountedAsAnError() async throws {
        let server = try await InProcessServer.start()
        defer { server.cleanUp() }
        await (try await server.connect()).close()  // the server is up
        // Every second request is not JSON: the server answers it with an error line.
        let plan = LoadGenerator.Plan(socketPath: server.configuration.socketPath, connections: 1, depth: 4,
                                      requests: 100, requestBodies: [self.good, #"{"broken":"#])
        let report = try await LoadGenerator(plan: plan).run()
        try await server.stop()
        #expect(report.answered == 100)
        #expect(report.errors == 50)
    }
}
