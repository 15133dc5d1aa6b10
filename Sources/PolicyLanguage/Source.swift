/// Identifies one source file inside a `SourceSet`; spans carry it so a diagnostic
/// can be printed without passing the file alongside.
public struct FileID: Hashable, Sendable, Comparable {
    public let raw: UInt32
    public init(_ raw: UInt32) { self.raw = raw }
    public static func < (a: FileID, b: FileID) -> Bool { a.raw < b.raw }
}

/// A half-open byte range `[start, end)` in one source file.
///
/// Spans are byte offsets, not characters: the lexer works on UTF-8 bytes and
/// columns are computed only when a diagnostic is rendered.
public struct Span: Hashable, Sendable {
    public var file: FileID
    public var start: UInt32
    public var end: UInt32

    public init(file: FileID, start: UInt32, end: UInt32) {
        self.file = file
        self.start = start
        self.end = max(start, end)
    }

    public var length: UInt32 { end - start }

    /// The smallest span covering both; both must be in the same file.
    public func merged(with other: Span) -> Span {
        Span(file: file, start: min(start, other.start), end: max(end, other.end))
    }
}

/// One policy source file: its path as the user named it and its raw bytes.
/// Bytes are kept unvalidated so invalid UTF-8 can be reported, not crashed on.
public struct SourceFile: Sendable {
    public let id: FileID
    public let path: String
    public let bytes: [UInt8]
    /// Byte offset of the first byte of every line; line 1 starts at 0.
    public let lineStarts: [UInt32]

    public init(id: FileID, path: String, bytes: [UInt8]) {
        self.id = id
        self.path = path
        self.bytes = bytes
        var starts: [UInt32] = [0]
        for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            starts.append(UInt32(offset + 1))
        }
        self.lineStarts = starts
    }

    public init(id: FileID, path: String, text: String) {
        self.init(id: id, path: path, bytes: Array(text.utf8))
    }

    /// 1-based line and 1-based column (in Unicode scalars, so carets line up
    /// under non-ASCII text) of a byte offset.
    public func location(of offset: UInt32) -> (line: Int, column: Int) {
        let clamped = min(Int(offset), bytes.count)
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if Int(lineStarts[mid]) <= clamped { low = mid } else { high = mid - 1 }
        }
        let lineStart = Int(lineStarts[low])
        var column = 1
        var index = lineStart
        while index < clamped {
            // Count scalar starts only: continuation bytes are 0b10xxxxxx.
            if bytes[index] & 0xC0 != 0x80 { column += 1 }
            index += 1
        }
        return (low + 1, column)
    }

    /// The bytes of line `line` (1-based) without its newline.
    public func lineBytes(_ line: Int) -> ArraySlice<UInt8> {
        guard line >= 1, line <= lineStarts.count else { return [] }
        let start = Int(lineStarts[line - 1])
        var end = line < lineStarts.count ? Int(lineStarts[line]) - 1 : bytes.count
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return bytes[start..<max(start, end)]
    }

    /// The text a span covers, with invalid UTF-8 repaired for display.
    public func text(of span: Span) -> String {
        let start = min(Int(span.start), bytes.count)
        let end = min(Int(span.end), bytes.count)
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}

/// Every file of one policy set, in a deterministic order (sorted by path).
public struct SourceSet: Sendable {
    public private(set) var files: [SourceFile] = []

    public init() {}

    @discardableResult
    public mutating func add(path: String, bytes: [UInt8]) -> FileID {
        let id = FileID(UInt32(files.count))
        files.append(SourceFile(id: id, path: path, bytes: bytes))
        return id
    }

    @discardableResult
    public mutating func add(path: String, text: String) -> FileID {
        add(path: path, bytes: Array(text.utf8))
    }

    public subscript(id: FileID) -> SourceFile { files[Int(id.raw)] }
}
