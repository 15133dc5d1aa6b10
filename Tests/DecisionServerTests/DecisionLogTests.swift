import Foundation
import Logging
import Testing
@testable import DecisionServer

@Suite struct DecisionLogTests {
    private func temporaryPath() -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("agate-log-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent("decisions.jsonl").path
    }

    private func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func writesEveryLineInOrderFromConcurrentProducers() async throws {
        let path = self.temporaryPath()
        // A tiny queue forces producers to wait for the writer (backpressure).
        let log = try DecisionLog(options: DecisionLogOptions(path: path, flushInterval: 0.001, queueLimitBytes: 256),
                                  logger: Logger(label: "test"))
        await withTaskGroup(of: Void.self) { group in
            for producer in 0..<8 {
                group.addTask {
                    for index in 0..<200 {
                        await log.append(Array("{\"p\":\(producer),\"i\":\(index)}\n".utf8))
                    }
                }
            }
        }
        log.close()
        let written = self.lines(path)
        #expect(written.count == 1600)
        #expect(log.status.linesWritten == 1600)
        for producer in 0..<8 {
            let own = written.filter { $0.hasPrefix("{\"p\":\(producer),") }
            #expect(own == (0..<200).map { "{\"p\":\(producer),\"i\":\($0)}" })
        }
    }

    @Test func closeFlushesWhatIsQueued() async throws {
        let path = self.temporaryPath()
        let log = try DecisionLog(options: DecisionLogOptions(path: path, flushInterval: 60), logger: Logger(label: "test"))
        await log.append(Array("{\"a\":1}\n{\"a\":2}\n".utf8))
        log.close()
        #expect(self.lines(path) == ["{\"a\":1}", "{\"a\":2}"])
    }

    @Test func rotatesBySizeKeepingTheNewestFiles() async throws {
        let path = self.temporaryPath()
        let options = DecisionLogOptions(path: path, flushInterval: 0, sync: true, maxBytes: 100, maxFiles: 2)
        let log = try DecisionLog(options: options, logger: Logger(label: "test"))
        for index in 0..<40 {
            await log.append(Array("{\"line\":\(String(format: "%04d", index))}\n".utf8))
            try await Task.sleep(for: .milliseconds(2))
        }
        log.close()
        let all = self.lines("\(path).2") + self.lines("\(path).1") + self.lines(path)
        #expect(!FileManager.default.fileExists(atPath: "\(path).3"))
        #expect(!all.isEmpty)
        // The kept files hold the newest lines, contiguous and in order.
        let numbers = all.compactMap { Int($0.dropFirst(8).prefix(4)) }
        #expect(numbers == Array((40 - numbers.count)..<40))
    }

    @Test func refusesAnUnwritablePath() {
        #expect(throws: DecisionLogError.self) {
            _ = try DecisionLog(options: DecisionLogOptions(path: "/nonexistent-dir/decisions.jsonl"), logger: Logger(label: "test"))
        }
    }
}
