import DecisionClient
import Foundation
import Synchronization
import Testing

/// A value shared by test tasks.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { self.mutex = Mutex(value) }
    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { self.mutex.withLock { body(&$0) } }
}

/// Shutdown, reload, security and socket-file handling of `agate serve`.
@Suite(.serialized, .timeLimit(.minutes(1))) struct ServeLifecycleTests {
    @Test func sigtermUnderLoadLogsEveryAnsweredDecisionExactlyOnce() async throws {
        let server = try ServerUnderTest.start(policyFiles: ["main.agate": ServeFixtures.policySet])
        defer { server.cleanUp() }
        let answered = Locked<[String]>([])
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for clientIndex in 0..<8 {
                    group.addTask {
                        guard let client = try? await DecisionClient.connect(socketPath: server.socket) else { return }
                        var round = 0
                        while true {
                            let lines = (0..<50).map { index in
                                let request = ServeFixtures.requests[(index + round) % ServeFixtures.requests.count]
                                return #"{"id":"c\#(clientIndex)-\#(round)-\#(index)","op":"evaluate","request":\#(request)}"#
                            }
                            guard let answers = try? await client.send(lines: lines) else { return }
                            let ids = answers.compactMap { ServeFixtures.object($0)?["id"] as? String }
                            answered.withLock { $0 += ids }
                            round += 1
                        }
                    }
                }
            }
        }
        // Stop only once the load is really flowing: on a busy CI machine the
        // clients may need a while to connect, and a fixed sleep would then
        // stop a server that had answered nothing yet.
        let deadline = ContinuousClock.now + .seconds(20)
        while answered.withLock({ $0.count }) < 400, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(server.stop() == 0)
        await load.value
        let answeredIDs = answered.withLock { $0 }
        #expect(answeredIDs.count > 100)
        let log = try String(contentsOfFile: server.decisionLog, encoding: .utf8)
        var logged: [String: Int] = [:]
        for line in log.split(separator: "\n") {
            let object = try #require(ServeFixtures.object(String(line)))
            let id = try #require(object["id"] as? String)
            #expect(object["time"] is String && object["request"] != nil && object["decision"] is String)
            logged[id, default: 0] += 1
        }
        #expect(logged.values.allSatisfy { $0 == 1 })
        let missing = answeredIDs.filter { logged[$0] != 1 }
        #expect(missing.isEmpty, "answered but not logged exactly once: \(missing.prefix(5))")
        #expect(!FileManager.default.fileExists(atPath: server.socket))
    }

    @Test func reloadUnderLoadSwitchesSetsAndRefusesABrokenOne() async throws {
        let server = try ServerUnderTest.start(policyFiles: ["main.agate": ServeFixtures.policySet], withLog: false)
        defer { server.cleanUp() }
        let admin = try await DecisionClient.connect(socketPath: server.socket)
        let firstHash = try #require(ServeFixtures.field("policyset", in: try await admin.health()))
        let stop = Locked(false)
        let results = Locked<(failed: Int, hashes: Set<String>)>((0, []))
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        guard let client = try? await DecisionClient.connect(socketPath: server.socket) else {
                            results.withLock { $0.failed += 1 }
                            return
                        }
                        while !stop.withLock({ $0 }) {
                            do {
                                for answer in try await client.evaluate(batch: Array(ServeFixtures.requests.prefix(10))) {
                                    let hash = ServeFixtures.field("policyset", in: answer)
                                    results.withLock { state in
                                        if let hash { state.hashes.insert(hash) } else { state.failed += 1 }
                                    }
                                }
                            } catch {
                                results.withLock { $0.failed += 1 }
                                return
                            }
                        }
                        await client.close()
                    }
                }
            }
        }
        // Condition-based waits, not fixed sleeps: CI machines are busy.
        func waitForAnswers(under hash: String) async throws {
            let deadline = ContinuousClock.now + .seconds(20)
            while !results.withLock({ $0.hashes.contains(hash) }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        try await waitForAnswers(under: firstHash)
        try ServeFixtures.revisedPolicySet.write(toFile: "\(server.policies)/main.agate", atomically: true, encoding: .utf8)
        let good = try #require(ServeFixtures.object(try await admin.reload())?["reload"] as? [String: Any])
        #expect(good["ok"] as? Bool == true)
        let secondHash = try #require(good["policyset"] as? String)
        #expect(secondHash != firstHash)
        try await waitForAnswers(under: secondHash)

        try ServeFixtures.brokenPolicySet.write(toFile: "\(server.policies)/main.agate", atomically: true, encoding: .utf8)
        let bad = try #require(ServeFixtures.object(try await admin.reload())?["reload"] as? [String: Any])
        #expect(bad["ok"] as? Bool == false)
        #expect((bad["diagnostics"] as? Int ?? 0) > 0)
        #expect(bad["policyset"] as? String == secondHash)
        try await Task.sleep(for: .milliseconds(200))
        stop.withLock { $0 = true }
        await load.value

        let health = try #require(ServeFixtures.object(try await admin.health()))
        #expect(health["policyset"] as? String == secondHash)
        let lastReload = try #require(health["last_reload"] as? [String: Any])
        #expect(lastReload["ok"] as? Bool == false)
        #expect((lastReload["message"] as? String)?.isEmpty == false)
        let outcome = results.withLock { $0 }
        #expect(outcome.failed == 0)
        #expect(outcome.hashes == [firstHash, secondHash])
        #expect(server.process.stderrText.contains("policy reload rejected"))
        await admin.close()
        #expect(server.stop() == 0)
    }

    @Test func sighupReloadsThePolicies() async throws {
        let server = try ServerUnderTest.start(policyFiles: ["main.agate": ServeFixtures.policySet], withLog: false)
        defer { server.cleanUp() }
        let client = try await DecisionClient.connect(socketPath: server.socket)
        let before = ServeFixtures.field("policyset", in: try await client.health())
        try ServeFixtures.revisedPolicySet.write(toFile: "\(server.policies)/main.agate", atomically: true, encoding: .utf8)
        server.process.signal(SIGHUP)
        var after = before
        for _ in 0..<100 where after == before {
            try await Task.sleep(for: .milliseconds(20))
            after = ServeFixtures.field("policyset", in: try await client.health())
        }
        #expect(after != before)
        await client.close()
        #expect(server.stop() == 0)
    }

    @Test func watchReloadsWhenAFileChanges() async throws {
        let server = try ServerUnderTest.start(
            policyFiles: ["main.agate": ServeFixtures.policySet], arguments: ["--watch"], withLog: false)
        defer { server.cleanUp() }
        let client = try await DecisionClient.connect(socketPath: server.socket)
        let before = ServeFixtures.field("policyset", in: try await client.health())
        try ServeFixtures.revisedPolicySet.write(toFile: "\(server.policies)/main.agate", atomically: true, encoding: .utf8)
        var after = before
        for _ in 0..<150 where after == before {
            try await Task.sleep(for: .milliseconds(20))
            after = ServeFixtures.field("policyset", in: try await client.health())
        }
        #expect(after != before)
        await client.close()
        #expect(server.stop() == 0)
    }

    @Test func aPeerNotAllowListedIsRefusedBeforeItIsRead() async throws {
        let otherUID = getuid() == 0 ? 65534 : getuid() + 1
        let server = try ServerUnderTest.start(
            policyFiles: ["main.agate": ServeFixtures.policySet], arguments: ["--allow-uid", "\(otherUID)"], withLog: false)
        defer { server.cleanUp() }
        let raw = try RawSocket(path: server.socket)
        raw.send(#"{"id":1,"op":"health"}"# + "\n")
        let answer = raw.readLines(1).first ?? ""
        #expect(answer.hasPrefix(#"{"id":null,"error":{"code":"forbidden""#))
        #expect(!answer.contains(#""status""#))
        #expect(raw.readsEndOfStream())
        raw.close()
        #expect(server.stop() == 0)
    }

    @Test func theSocketFileIsProtectedAndALiveServerIsNotReplaced() async throws {
        let server = try ServerUnderTest.start(policyFiles: ["main.agate": ServeFixtures.policySet], withLog: false)
        defer { server.cleanUp() }
        let attributes = try FileManager.default.attributesOfItem(atPath: server.socket)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o660)
        let second = try AgateBinary.run(
            ["serve", "--policies", server.policies, "--socket", server.socket], timeout: 20)
        #expect(second.status == 2)
        #expect(second.stderr.contains("already listening"))
        let client = try await DecisionClient.connect(socketPath: server.socket)
        #expect(try await client.health().contains(#""status":"ok""#))
        await client.close()
        #expect(server.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: server.socket))
    }

    @Test func aStaleSocketFileIsReplaced() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("main.agate", ServeFixtures.policySet)
        let socketPath = directory.file("stale.sock")
        // A socket file nobody listens on, as a crashed server leaves it.
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        let bound = RawSocket.withAddress(socketPath) { bind(descriptor, $0, $1) }
        #expect(bound == 0)
        close(descriptor)
        let process = try AgateBinary.launch(["serve", "--policies", directory.file("main.agate"), "--socket", socketPath])
        defer { process.kill() }
        var connected = false
        for _ in 0..<500 where !connected {
            if let socket = try? RawSocket(path: socketPath) {
                socket.send(#"{"id":1,"op":"health"}"# + "\n")
                connected = socket.readLines(1).first?.contains("ok") == true
                socket.close()
            } else {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        #expect(connected, "server did not start: \(process.stderrText)")
        process.signal(SIGTERM)
        #expect(process.waitForExit(timeout: 10) == 0)
    }
}
