import Foundation
import Testing
@testable import DecisionServer

/// A connection whose decisions do not fit the decision log's queue waits for
/// the writer (reading nothing meanwhile) and then goes on: every answer
/// arrives, in order, and every decision is in the log exactly once.
@Suite struct LogBackpressureTests {
    @Test func aFullLogQueueDelaysAnswersAndLosesNothing() async throws {
        let server = try await InProcessServer.start { configuration, directory in
            configuration.decisionLog = DecisionLogOptions(
                path: directory.appendingPathComponent("decisions.jsonl").path, flushInterval: 0.002, queueLimitBytes: 512)
        }
        defer { server.cleanUp() }
        let count = 2000
        var bytes: [UInt8] = []
        for index in 0..<count {
            let level = index % 2 == 0 ? "high" : "low"
            bytes += Array(#"{"id":\#(index),"op":"evaluate","request":{"subject":{"id":"a-\#(index)","kind":"agent"},"audience":"https://x","location":{"ip":"10.1.2.3"},"risk":{"level":"\#(level)"}}}"#.utf8)
            bytes.append(UInt8(ascii: "\n"))
        }
        let client = try await server.connect()
        let answers = try await client.send(bytes: bytes, answers: count)
        await client.close()
        try await server.stop()

        #expect(answers.count == count)
        for (index, answer) in answers.enumerated() {
            #expect(answer.hasPrefix(#"{"id":\#(index),"decision":"deny""#), "answer \(index): \(answer.prefix(80))")
        }
        let log = try String(contentsOfFile: server.logPath, encoding: .utf8).split(separator: "\n")
        #expect(log.count == count)
        let ids = log.compactMap { line -> Int? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return object["id"] as? Int
        }
        #expect(ids == Array(0..<count))
    }
}
