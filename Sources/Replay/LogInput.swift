import CZlib
import Foundation

/// Why a log could not be opened or read; replay stops with exit code 2.
public struct LogInputError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}

/// One decision log opened for reading: a file or standard input (`-`), plain
/// or gzip-compressed. Compression is detected by the gzip magic bytes, not the
/// file name, so `zcat`-less pipelines and misnamed files both work.
final class LogInput {
    let path: String
    /// Size on disk, for the progress bar; nil for pipes and standard input.
    let size: Int64?
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var inflater: GzipInflater?
    /// Bytes read from the descriptor but not yet handed out (plain) or inflated (gzip).
    private var raw: UnsafeMutableRawBufferPointer
    private var rawStart = 0
    private var rawEnd = 0
    private var descriptorAtEnd = false
    /// Bytes consumed from the underlying file so far (compressed bytes for gzip).
    private(set) var consumed: Int64 = 0

    init(path: String) throws(LogInputError) {
        self.path = path
        if path == "-" {
            fd = 0
            ownsDescriptor = false
            size = nil
        } else {
            let opened = open(path, O_RDONLY)
            guard opened >= 0 else {
                throw LogInputError(path: path, message: "cannot open the log: \(String(cString: strerror(errno)))")
            }
            var info = stat()
            let isFile = fstat(opened, &info) == 0 && (info.st_mode & 0o170000) == 0o100000
            if (info.st_mode & 0o170000) == 0o040000 {
                close(opened)
                throw LogInputError(path: path, message: "is a folder, not a log file")
            }
            fd = opened
            ownsDescriptor = true
            size = isFile ? Int64(info.st_size) : nil
        }
        raw = .allocate(byteCount: 1 << 18, alignment: 16)
        try fillRaw()
        if rawEnd - rawStart >= 2, raw[rawStart] == 0x1F, raw[rawStart + 1] == 0x8B {
            inflater = try GzipInflater(path: path)
        }
    }

    deinit {
        raw.deallocate()
        if ownsDescriptor { close(fd) }
    }

    /// Fills `buffer` with up to `buffer.count` bytes of (decompressed) log text.
    /// Returns 0 only at the end of the log.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(LogInputError) -> Int {
        guard buffer.count > 0 else { return 0 }
        if inflater != nil { return try inflate(into: buffer) }
        if rawStart == rawEnd {
            // Large plain reads go straight into the caller's buffer: no copy.
            rawStart = 0
            rawEnd = 0
            let n = try readDescriptor(into: buffer)
            return n
        }
        let n = min(buffer.count, rawEnd - rawStart)
        buffer.baseAddress!.copyMemory(from: raw.baseAddress! + rawStart, byteCount: n)
        rawStart += n
        return n
    }

    private func inflate(into buffer: UnsafeMutableRawBufferPointer) throws(LogInputError) -> Int {
        var produced = 0
        while produced < buffer.count {
            if rawStart == rawEnd {
                if descriptorAtEnd { break }
                try fillRaw()
                if rawStart == rawEnd {
                    if inflater!.midStream {
                        throw LogInputError(path: path, message: "the gzip stream is truncated")
                    }
                    break
                }
            }
            let input = UnsafeRawBufferPointer(rebasing: raw[rawStart..<rawEnd])
            let output = UnsafeMutableRawBufferPointer(rebasing: buffer[produced...])
            let (used, made) = try inflater!.inflate(input, into: output)
            rawStart += used
            produced += made
            if used == 0 && made == 0 { break }
        }
        return produced
    }

    private func fillRaw() throws(LogInputError) {
        rawStart = 0
        rawEnd = try readDescriptor(into: raw)
    }

    private func readDescriptor(into buffer: UnsafeMutableRawBufferPointer) throws(LogInputError) -> Int {
        while true {
            let n = systemRead(fd, buffer.baseAddress!, buffer.count)
            if n >= 0 {
                if n == 0 { descriptorAtEnd = true }
                consumed += Int64(n)
                return n
            }
            if errno == EINTR { continue }
            throw LogInputError(path: path, message: "cannot read the log: \(String(cString: strerror(errno)))")
        }
    }
}

private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.read(fd, buffer, count)
    #else
    Darwin.read(fd, buffer, count)
    #endif
}

/// A zlib inflate stream in gzip mode. Concatenated gzip members (what
/// `cat a.gz b.gz` and log rotation produce) are read one after another.
private final class GzipInflater {
    private var stream = z_stream()
    private let path: String
    /// True between a member's header and its end: running out of input here is truncation.
    private(set) var midStream = false

    init(path: String) throws(LogInputError) {
        self.path = path
        // 16 + MAX_WBITS: expect a gzip header and trailer.
        let status = inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            throw LogInputError(path: path, message: "cannot start gzip decompression (zlib status \(status))")
        }
    }

    deinit { inflateEnd(&stream) }

    /// Inflates as much as fits; returns the input bytes used and output bytes made.
    func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(LogInputError) -> (Int, Int) {
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        stream.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(output.count)
        midStream = true
        let status = CZlib.inflate(&stream, Z_NO_FLUSH)
        let used = input.count - Int(stream.avail_in)
        let made = output.count - Int(stream.avail_out)
        switch status {
        case Z_OK, Z_BUF_ERROR:
            return (used, made)
        case Z_STREAM_END:
            midStream = false
            inflateReset(&stream)
            return (used, made)
        default:
            let detail = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
            throw LogInputError(path: path, message: "the gzip data is corrupt: \(detail)")
        }
    }
}
