import Foundation
import Testing
@testable import Replay

/// The reader alone: every line comes out once, in order, whatever the batch
/// size, compression, line endings or a missing final newline.
@Suite("log reading")
struct LogReadingTests {
    /// Runs the reader over `path` with small batches; returns every line of every batch, in order.
    private func lines(of path: String, batchBytes: Int = 4096, maxLine: Int = 1 << 16) throws -> [String] {
        let pool = BlockingQueue<BatchBuffer>()
        for _ in 0..<4 { pool.push(BatchBuffer(capacity: batchBytes)) }
        let work = BlockingQueue<LineBatch>()
        let shared = SharedState(workers: 1)
        let reader = BatchReader(paths: [path], pool: CancellablePool(pool: pool, shared: shared), work: work,
                                 maxLineBytes: maxLine)
        // The reader blocks on an empty pool, so a consumer returns buffers as it goes.
        let collected = LockedLines()
        let consumer = Thread {
            while let batch = work.pop() {
                if batch.oversizedLine {
                    collected.append("<oversized>")
                } else {
                    let text = String(decoding: UnsafeRawBufferPointer(rebasing: batch.buffer.bytes[0..<batch.buffer.count]),
                                      as: UTF8.self)
                    var parts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                    if parts.last == "" { parts.removeLast() }
                    collected.append(contentsOf: parts)
                }
                batch.buffer.count = 0
                pool.push(batch.buffer)
            }
            collected.finish()
        }
        consumer.start()
        let error = reader.run()
        work.close()
        collected.wait()
        if let error { throw error }
        return collected.lines
    }

    private func sampleLines(_ count: Int) -> [String] {
        (0..<count).map { i in #"{"n":\#(i),"pad":"\#(String(repeating: "x", count: i % 97))"}"# }
    }

    @Test(arguments: [512, 4096, 1 << 20])
    func plainLinesComeOutInOrder(batchBytes: Int) throws {
        let dir = try TemporaryFolder()
        let expected = sampleLines(3000)
        let path = try dir.write("log.jsonl", expected.joined(separator: "\n") + "\n")
        #expect(try lines(of: path, batchBytes: batchBytes) == expected)
    }

    @Test func aMissingFinalNewlineStillEndsALine() throws {
        let dir = try TemporaryFolder()
        let expected = sampleLines(10)
        let path = try dir.write("log.jsonl", expected.joined(separator: "\n"))
        #expect(try lines(of: path) == expected)
    }

    @Test func gzipIsDetectedByItsMagicBytes() throws {
        let dir = try TemporaryFolder()
        let expected = sampleLines(5000)
        let plain = try dir.write("log.txt", expected.joined(separator: "\n") + "\n")
        try dir.run("/bin/gzip", ["-k", "-n", plain])
        let renamed = dir.path("misnamed.jsonl")
        try FileManager.default.moveItem(atPath: plain + ".gz", toPath: renamed)
        #expect(try lines(of: renamed, batchBytes: 2048) == expected)
    }

    @Test func concatenatedGzipMembersAreOneLog() throws {
        let dir = try TemporaryFolder()
        let first = sampleLines(100)
        let second = sampleLines(50).map { $0 + " " }
        let a = try dir.write("a", first.joined(separator: "\n") + "\n")
        let b = try dir.write("b", second.joined(separator: "\n") + "\n")
        try dir.run("/bin/gzip", ["-n", a, b])
        let joined = try Data(contentsOf: URL(fileURLWithPath: a + ".gz")) + Data(contentsOf: URL(fileURLWithPath: b + ".gz"))
        let path = dir.path("both.gz")
        try joined.write(to: URL(fileURLWithPath: path))
        #expect(try lines(of: path) == first + second)
    }

    @Test func truncatedGzipIsAnError() throws {
        let dir = try TemporaryFolder()
        let plain = try dir.write("log", sampleLines(2000).joined(separator: "\n") + "\n")
        try dir.run("/bin/gzip", ["-n", plain])
        let data = try Data(contentsOf: URL(fileURLWithPath: plain + ".gz"))
        let cut = dir.path("cut.gz")
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut))
        #expect(throws: LogInputError.self) { try lines(of: cut) }
    }

    @Test func aLineLongerThanTheLimitIsReportedOnce() throws {
        let dir = try TemporaryFolder()
        let long = String(repeating: "y", count: 10_000)
        let path = try dir.write("log", "first\n\(long)\nlast\n")
        #expect(try lines(of: path, batchBytes: 1024, maxLine: 4096) == ["first", "<oversized>", "last"])
    }

    @Test func aMissingFileIsAnError() {
        #expect(throws: LogInputError.self) { try lines(of: "/nonexistent/agate-replay.log") }
    }
}

/// Lines gathered by a consumer thread.
final class LockedLines: @unchecked Sendable {
    private let condition = NSCondition()
    private var storage: [String] = []
    private var done = false

    func append(_ line: String) { append(contentsOf: [line]) }
    func append(contentsOf more: [String]) { condition.withLock { storage += more } }
    func finish() { condition.withLock { done = true; condition.broadcast() } }
    func wait() { condition.withLock { while !done { condition.wait() } } }
    var lines: [String] { condition.withLock { storage } }
}

/// A scratch folder removed when the value is released.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("agate-replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}
