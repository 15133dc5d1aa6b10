import Foundation
import Testing
@testable import DecisionServer
#if canImport(Glibc)
import Glibc
#endif

/// The decision log leaves the page cache as it goes: what it wrote more than
/// a writeback span ago is on disk and no longer cached.
@Suite struct DecisionLogPagesTests {
    private func temporaryFile(_ name: String) -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("agate-pages-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent(name).path
    }

    @Test func writtenSpansLeaveThePageCache() throws {
        #if os(Linux)
        let probe = self.temporaryFile("probe")
        guard Self.fileSystemDropsPages(probe) else { return }  // e.g. tmpfs: nothing to write back or drop
        let path = self.temporaryFile("decisions.jsonl")
        var file = try DecisionLogFile(options: DecisionLogOptions(path: path))
        let line = Array(repeating: UInt8(ascii: "x"), count: 4095) + [UInt8(ascii: "\n")]
        let span = Int(DecisionLogFile.writebackSpan)
        let total = 8 * span
        for _ in 0..<(total / line.count) {
            var offset = 0
            try line.withUnsafeBytes { try file.append($0, from: &offset) }
        }
        file.closeFile()
        let resident = try Self.residentPages(path, length: total)
        let pages = resident.count
        let pageSize = total / pages
        // Spans older than the last two are dropped; the newest may still be cached.
        let old = resident[0..<((total - 2 * span) / pageSize)]
        #expect(old.filter { $0 }.count <= old.count / 10, "\(old.filter { $0 }.count) of \(old.count) old pages still cached")
        #endif
    }

    #if os(Linux)
    /// Whether this file system honours a dropped range at all (tmpfs does not).
    private static func fileSystemDropsPages(_ path: String) -> Bool {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { return false }
        let bytes = Array(repeating: UInt8(7), count: 1 << 20)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress!, $0.count) }
        _ = fsync(descriptor)
        _ = posix_fadvise(descriptor, 0, off_t(bytes.count), Int32(POSIX_FADV_DONTNEED))
        close(descriptor)
        guard let resident = try? self.residentPages(path, length: bytes.count) else { return false }
        return resident.filter { $0 }.count <= resident.count / 10
    }

    /// Which pages of the file's first `length` bytes are in the page cache (`mincore`).
    private static func residentPages(_ path: String, length: Int) throws -> [Bool] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw POSIXError(.ENOENT) }
        defer { close(descriptor) }
        guard let mapping = mmap(nil, length, PROT_READ, MAP_SHARED, descriptor, 0), mapping != MAP_FAILED else {
            throw POSIXError(.ENOMEM)
        }
        defer { munmap(mapping, length) }
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        var vector = [UInt8](repeating: 0, count: (length + pageSize - 1) / pageSize)
        guard mincore(mapping, length, &vector) == 0 else { throw POSIXError(.EINVAL) }
        return vector.map { $0 & 1 != 0 }
    }
    #endif
}
