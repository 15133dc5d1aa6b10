import Glibc
import DecisionClient
import Foundation
import Testing

/// `agate serve` end to end: the real binary over a real socket.
@Suite(.serialized, .timeLimit(.minutes(1))) struct ServeProtocolTests {
    @Test func decisionsMatchAgateEval() async throws {
        let server = try ServerUnderTest.start(policyFiles: ["main.agate": ServeFixtures.policySet])
        defer { server.cleanUp() }
        let client = try await DecisionClient.connect(socketPath: server.socket)
        let served = try await client.evaluate(batch: ServeFixtures.requests).map(ServeFixtures.withoutID)
        await client.close()

        let input = Data(ServeFixtures.requests.joined(separator: "\n").appending("\n").utf8)
        let eval = try AgateBinary.run(["eval", "--policies", server.policies, "--request", "-"], input: input)
        let evaluated = eval.output.split(separator: "\n").map(String.init)
        #expect(evaluated.count == served.count, "agate eval: \(eval.stderr)")
        for (server, eval) in zip(served, evaluated) {
            #expect(server == eval)
        }
        #expect(server.stop() == 0)
    }

    /// `stats.policies` counts, per policy, the answers that named it.
    @Test func statsCountEveryPolicyInTheAnswers() async throws {
        let server = try ServerUnderTest.start(policyFiles: ["main.agate": ServeFixtures.policySet], withLog: false)
        defer { server.cleanUp() }
        let client = try await DecisionClient.connect(socketPath: server.socket)
        let requests = ServeFixtures.requests + ServeFixtures.requests
        var expected: [String: Int] = [:]
        for answer in try await client.evaluate(batch: requests) {
            for name in ServeFixtures.object(answer)?["policies"] as? [String] ?? [] { expected[name, default: 0] += 1 }
        }
        #expect(!expected.isEmpty)
        let observer = try await DecisionClient.connect(socketPath: server.socket)
        var counted: [String: Int] = [:]
        for _ in 0..<500 where counted != expected {
            counted = ServeFixtures.object(try await observer.stats())?["policies"] as? [String: Int] ?? [:]
            if counted != expected { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(counted == expected)
        await client.close()
        await observer.close()
        #expect(server.stop() == 0)
    }

    /// Connections share their event loop's counters: what closed
    /// connections answered stays counted, once, beside the open ones.
    @Test func statsKeepTheCountsOfClosedConnections() async throws {
        let server = try ServerUnderTest.start(policyFiles: ["main.agate": ServeFixtures.policySet], withLog: false)
        defer { server.cleanUp() }
        let perConnection = ServeFixtures.requests.count
        for _ in 0..<12 {
            let client = try await DecisionClient.connect(socketPath: server.socket)
            #expect(try await client.evaluate(batch: ServeFixtures.requests).count == perConnection)
            await client.close()
        }
        let open = try await DecisionClient.connect(socketPath: server.socket)
        #expect(try await open.evaluate(batch: ServeFixtures.requests).count == perConnection)
        let observer = try await DecisionClient.connect(socketPath: server.socket)
        var decisions = 0, latencies = 0
        for _ in 0..<500 {
            let stats = ServeFixtures.object(try await observer.stats())
            decisions = (stats?["decisions"] as? [String: Any])?["total"] as? Int ?? -1
            latencies = (stats?["latency_us"] as? [String: Any])?["count"] as? Int ?? -1
            if decisions == 13 * perConnection && latencies >= decisions { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(decisions == 13 * perConnection)
        // Every answered line records its latency; the observer's `stats` lines count too.
        #expect(latencies >= decisions && latencies <= decisions + 500)
        await open.close()
        await observer.close()
        #expect(server.stop() == 0)
    }

    @Test func pipelinedAnswersKeepTheirOrder() async throws {
        let server = try ServerUnderTest.start(policyFiles: ["main.agate": ServeFixtures.policySet], withLog: false)
        defer { server.cleanUp() }
        let client = try await DecisionClient.connect(socketPath: server.socket)
        let single = try await client.evaluate(batch: ServeFixtures.requests)
        let lines = (0..<2000).map { index in
            #"{"id":"p\#(index)","op":"evaluate","request":\#(ServeFixtures.requests[index % ServeFixtures.requests.count])}"#
        }
        let answers = try await client.send(lines: lines)
        #expect(answers.count == lines.count)
        for (index, answer) in answers.enumerated() {
            #expect(answer.hasPrefix(#"{"id":"p\#(index)","#))
            #expect(ServeFixtures.withoutID(answer) == ServeFixtures.withoutID(single[index % single.count]))
        }
        await client.close()
        #expect(server.stop() == 0)
    }

    /// `echo … | socat - UNIX-CONNECT:…` sends its lines and shuts down its
    /// write side at once; every line it sent must still be answered.
    @Test func aClientThatHalfClosesStillGetsEveryAnswer() async throws {
        let server = try ServerUnderTest.start(policyFiles: ["main.agate": ServeFixtures.policySet], withLog: false)
        defer { server.cleanUp() }
        let raw = try RawSocket(path: server.socket)
        defer { raw.close() }
        let lines = ServeFixtures.requests.prefix(3).enumerated().map { index, request in
            #"{"id":\#(index),"op":"evaluate","request":\#(request)}"#
        }
        #expect(raw.send(lines.joined(separator: "\n") + "\n"))
        #expect(shutdown(raw.descriptor, Int32(SHUT_WR)) == 0)
        let answers = raw.readLines(lines.count)
        #expect(answers.count == lines.count)
        for (index, answer) in answers.enumerated() {
            #expect(answer.hasPrefix(#"{"id":\#(index),"decision":"#))
        }
        #expect(server.stop() == 0)
    }

    @Test func sixtyFourConcurrentClientsGetTheirOwnAnswers() async throws {
        let server = try ServerUnderTest.start(policyFiles: ["main.agate": ServeFixtures.policySet], withLog: false)
        defer { server.cleanUp() }
        let reference = try await DecisionClient.connect(socketPath: server.socket)
        let expected = try await reference.evaluate(batch: ServeFixtures.requests).map(ServeFixtures.withoutID)
        await reference.close()
        let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
            for clientIndex in 0..<64 {
                group.addTask {
                    let client = try await DecisionClient.connect(socketPath: server.socket)
                    var mismatches = 0
                    for round in 0..<20 {
                        let index = (clientIndex + round) % ServeFixtures.requests.count
                        let answer = try await client.evaluate(ServeFixtures.requests[index])
                        if ServeFixtures.withoutID(answer) != expected[index] { mismatches += 1 }
                    }
                    await client.close()
                    return mismatches
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(mismatches == 0)
        #expect(server.stop() == 0)
    }

    @Test func hostileLinesGetErrorsAndTheConnectionStaysUsable() async throws {
        let server = try ServerUnderTest.start(policyFiles: ["main.agate": ServeFixtures.policySet], withLog: false)
        defer { server.cleanUp() }
        let client = try await DecisionClient.connect(socketPath: server.socket)
        var bytes: [UInt8] = []
        bytes += Array("garbage\n".utf8)
        bytes += Array(#"{"id":1,"op":"evaluate","request":{"subject":""#.utf8) + [0xFF, 0xFE] + Array("\"}}\n".utf8)
        bytes += Array(#"{"id":2,"op":"evaluate","request":{"a":tru}}"#.utf8) + [0x0A]
        bytes += Array(#"{"id":3,"op":"fly"}"#.utf8) + [0x0A]
        bytes += Array(#"{"id":4,"op":"token","request":{}}"#.utf8) + [0x0A]
        bytes += Array(#"{"id":5,"op":"evaluate","request":{"subject":{"id":[],"kind":7}}}"#.utf8) + [0x0A]
        bytes += Array(#"{"id":6,"op":"health"}"#.utf8) + [0x0A]
        let answers = try await client.send(bytes: bytes, answers: 7)
        #expect(answers[0] == #"{"id":null,"error":{"code":"bad_request","message":"a line must be one JSON object"}}"#)
        #expect(answers[1].hasPrefix(#"{"id":null,"error":{"code":"bad_request","message":"invalid JSON"#))
        #expect(answers[1].contains("UTF-8"))
        #expect(answers[2].hasPrefix(#"{"id":null,"error":{"code":"bad_request""#))
        #expect(answers[3].hasPrefix(#"{"id":3,"error":{"code":"unknown_op""#))
        #expect(answers[4] == #"{"id":4,"error":{"code":"unavailable","message":"token issuance needs an identity store and signing keys; start the server with --identities DB and --keys DIR"}}"#)
        #expect(answers[5].hasPrefix(#"{"id":5,"decision":"deny""#))
        #expect(answers[5].contains("invalid_request"))
        #expect(answers[6].hasPrefix(#"{"id":6,"status":"ok""#))
        await client.close()
        #expect(server.stop() == 0)
    }

    @Test func anOversizedLineClosesOnlyItsConnection() async throws {
        let server = try ServerUnderTest.start(
            policyFiles: ["main.agate": ServeFixtures.policySet], arguments: ["--max-line", "1024"], withLog: false)
        defer { server.cleanUp() }
        let raw = try RawSocket(path: server.socket)
        raw.send(#"{"id":1,"op":"health"}"# + "\n" + String(repeating: "x", count: 5000) + "\n")
        let answers = raw.readLines(2)
        #expect(answers.count == 2)
        #expect(answers.first?.contains(#""status":"ok""#) == true)
        #expect(answers.last?.hasPrefix(#"{"id":null,"error":{"code":"line_too_long""#) == true)
        #expect(raw.readsEndOfStream())
        raw.close()
        try await self.expectHealthy(server)
        #expect(server.stop() == 0)
    }

    @Test func misbehavingClientsDoNotDisturbOthers() async throws {
        let server = try ServerUnderTest.start(policyFiles: ["main.agate": ServeFixtures.policySet], withLog: false)
        defer { server.cleanUp() }
        // Disconnects in the middle of a line.
        let partial = try RawSocket(path: server.socket)
        partial.send(#"{"id":1,"op":"evaluate","request":{"subj"#)
        partial.close()
        // Sends a lot and never reads an answer.
        let deaf = try RawSocket(path: server.socket)
        let line = #"{"id":1,"op":"evaluate","request":\#(ServeFixtures.requests[0])}"# + "\n"
        let burst = Array(String(repeating: line, count: 2000).utf8)
        var bursts = 0
        while bursts < 20, deaf.send(burst) { bursts += 1 }
        // Opens and drops a thousand connections.
        for _ in 0..<1000 {
            if let socket = try? RawSocket(path: server.socket) { socket.close() }
        }
        try await self.expectHealthy(server)
        let client = try await DecisionClient.connect(socketPath: server.socket)
        let answer = try await client.evaluate(ServeFixtures.requests[0])
        #expect(answer.contains(#""decision":"#))
        await client.close()
        deaf.close()
        #expect(server.stop() == 0)
    }

    @Test func connectionsOverTheLimitAreRefusedAndCounted() async throws {
        let server = try ServerUnderTest.start(
            policyFiles: ["main.agate": ServeFixtures.policySet], arguments: ["--max-connections", "2"], withLog: false)
        defer { server.cleanUp() }
        let first = try await DecisionClient.connect(socketPath: server.socket)
        // The start-up probe's connection must be gone before counting.
        var open: Int?
        for _ in 0..<500 where open != 1 {
            try await Task.sleep(for: .milliseconds(10))
            open = (ServeFixtures.object(try await first.stats())?["connections"] as? [String: Any])?["open"] as? Int
        }
        #expect(open == 1)
        let second = try RawSocket(path: server.socket)
        second.send(#"{"id":1,"op":"health"}"# + "\n")
        let secondAnswer = second.readLines(1).first ?? ""
        #expect(secondAnswer.contains(#""status":"ok""#), "\(secondAnswer)")
        let third = try RawSocket(path: server.socket)
        #expect(third.readLines(1).first?.hasPrefix(#"{"id":null,"error":{"code":"too_many_connections""#) == true)
        #expect(third.readsEndOfStream())
        third.close()
        let stats = try #require(ServeFixtures.object(try await first.stats()))
        let connections = try #require(stats["connections"] as? [String: Any])
        #expect(connections["refused_over_limit"] as? Int == 1)
        second.close()
        await first.close()
        #expect(server.stop() == 0)
    }

    @Test func idleConnectionsAreClosed() async throws {
        let server = try ServerUnderTest.start(
            policyFiles: ["main.agate": ServeFixtures.policySet], arguments: ["--idle-timeout", "0.3"], withLog: false)
        defer { server.cleanUp() }
        let raw = try RawSocket(path: server.socket)
        raw.send(#"{"id":1,"op":"health"}"# + "\n")
        #expect(raw.readLines(1).first?.contains(#""status":"ok""#) == true)
        let start = Date()
        #expect(raw.readsEndOfStream())
        #expect(Date().timeIntervalSince(start) < 5)
        raw.close()
        #expect(server.stop() == 0)
    }

    private func expectHealthy(_ server: ServerUnderTest) async throws {
        let client = try await DecisionClient.connect(socketPath: server.socket)
        let health = try await client.health()
        #expect(health.hasPrefix(#"{"id":"health","status":"ok""#))
        await client.close()
    }
}
