#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where and how the decision log is written.
public struct DecisionLogOptions: Sendable, Equatable {
    public var path: String
    /// Longest time a decision waits in memory before it is written.
    public var flushInterval: Double
    /// `fsync` after every batch written.
    public var sync: Bool
    /// Rotate when the file reaches this size (nil: never).
    public var maxBytes: Int64?
    /// Rotated files kept (`F.1` … `F.n`).
    public var maxFiles: Int
    /// Bytes queued in memory before producers wait (backpressure).
    public var queueLimitBytes: Int

    /// 1 ms: on two cores, 50 ms batches (megabytes per `write`) stalled
    /// answers for tens of milliseconds at p99 (docs/server.md).
    public static let defaultFlushInterval = 0.001

    public init(path: String, flushInterval: Double = DecisionLogOptions.defaultFlushInterval, sync: Bool = false, maxBytes: Int64? = nil,
                maxFiles: Int = 10, queueLimitBytes: Int = 8 << 20) {
        self.path = path
        self.flushInterval = flushInterval
        self.sync = sync
        self.maxBytes = maxBytes
        self.maxFiles = maxFiles
        self.queueLimitBytes = queueLimitBytes
    }
}

/// An error opening, writing or rotating the decision log file.
public struct DecisionLogError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// The append-only log file with size-based rotation. Used by one thread only.
struct DecisionLogFile {
    let options: DecisionLogOptions
    private var descriptor: CInt
    private(set) var size: Int64
    /// Where the next span of the file to hand to writeback starts.
    private var writebackFrom: Int64

    init(options: DecisionLogOptions) throws(DecisionLogError) {
        self.options = options
        (self.descriptor, self.size) = try Self.openFile(options.path)
        self.writebackFrom = self.size
    }

    private static func openFile(_ path: String) throws(DecisionLogError) -> (CInt, Int64) {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw DecisionLogError(description: "cannot open decision log `\(path)`: \(String(cString: strerror(errno)))")
        }
        var status = stat()
        let size = fstat(descriptor, &status) == 0 ? Int64(status.st_size) : 0
        return (descriptor, size)
    }

    /// Writes `bytes` from `offset` on, advancing `offset` as bytes are written
    /// (so a retry after an error never writes a byte twice).
    mutating func append(_ bytes: UnsafeRawBufferPointer, from offset: inout Int) throws(DecisionLogError) {
        while offset < bytes.count {
            let written = write(self.descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw DecisionLogError(description: "cannot write decision log `\(self.options.path)`: \(String(cString: strerror(errno)))")
            }
            offset += written
            self.size += Int64(written)
        }
        self.releaseWrittenPages()
    }

    /// The log is written once and read rarely (by `agate replay`), so its
    /// pages should not fill the page cache: every `span` bytes, the span just
    /// written goes to writeback, and the span before it (which has had a
    /// span's time to get there) is waited for on disk and leaves the cache.
    /// That keeps the log's cached and dirty memory near two spans, instead of
    /// growing until the kernel throttles the writer or evicts the pages of
    /// the services beside it, and it reuses the memory it frees.
    private mutating func releaseWrittenPages() {
        let span = Self.writebackSpan
        while self.size - self.writebackFrom >= span {
            let start = self.writebackFrom
            _ = SyncFileRange.function?(self.descriptor, start, span, SyncFileRange.write)
            if start >= span {
                _ = SyncFileRange.function?(self.descriptor, start - span, span, SyncFileRange.waitAndWrite)
                _ = posix_fadvise(self.descriptor, off_t(start - span), off_t(span), Int32(POSIX_FADV_DONTNEED))
            }
            self.writebackFrom += span
        }
    }

    /// 1 MB: at 320,000 decisions/s with the log on disk, p99 was 1.2–2.7 ms
    /// with 1 MB spans, 1.9–8.5 ms with 4 MB and 2.8–5.1 ms with 16 MB, against
    /// 3.6–51 ms leaving the pages to the kernel (docs/performance.md).
    static let writebackSpan: Int64 = 1 << 20

    func sync() throws(DecisionLogError) {
        guard fsync(self.descriptor) == 0 else {
            throw DecisionLogError(description: "cannot fsync decision log `\(self.options.path)`: \(String(cString: strerror(errno)))")
        }
    }

    var needsRotation: Bool {
        guard let maxBytes = self.options.maxBytes else { return false }
        return self.size >= maxBytes
    }

    /// `F.n-1` → `F.n`, …, `F` → `F.1`, then a fresh `F`.
    mutating func rotate() throws(DecisionLogError) {
        let path = self.options.path
        close(self.descriptor)
        let keep = max(self.options.maxFiles, 1)
        _ = unlink("\(path).\(keep)")
        var index = keep - 1
        while index >= 1 {
            _ = rename("\(path).\(index)", "\(path).\(index + 1)")
            index -= 1
        }
        _ = rename(path, "\(path).1")
        (self.descriptor, self.size) = try Self.openFile(path)
        self.writebackFrom = 0
    }

    mutating func closeFile() {
        if self.descriptor >= 0 { _ = close(self.descriptor) }
        self.descriptor = -1
    }
}

/// `sync_file_range(2)`, looked up at run time: Glibc's Swift module hides it
/// (a GNU extension). Absent (not Linux), the log simply leaves its pages to the kernel.
private enum SyncFileRange {
    typealias Function = @convention(c) (CInt, Int64, Int64, UInt32) -> CInt

    static let function: Function? = {
        // RTLD_DEFAULT is a null handle in glibc.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sync_file_range") else { return nil }
        return unsafeBitCast(symbol, to: Function.self)
    }()

    /// SYNC_FILE_RANGE_WRITE: start writeback of the range's dirty pages.
    static let write: UInt32 = 2
    /// WAIT_BEFORE | WRITE | WAIT_AFTER: the range is on disk when it returns.
    static let waitAndWrite: UInt32 = 1 | 2 | 4
}
