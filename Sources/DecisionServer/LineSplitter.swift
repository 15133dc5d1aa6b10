#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the lines of a byte stream in place, at most `maximumLineLength`
/// bytes each, without copying or slicing: the server answers each line
/// straight from the read buffer.
///
/// Remembers how far it has searched an unfinished line, so a long line
/// arriving in small pieces is scanned once, not quadratically. After an
/// over-long line it reports `.overlong` once and then only discards: the
/// connection is about to close and memory must stay bounded.
struct LineSplitter {
    enum Step: Equatable {
        /// A complete line (without `\n` and a trailing `\r`); `next` is where the following one starts.
        case line(Range<Int>, next: Int)
        case overlong
        /// No complete line from `start` on: keep the bytes and read more.
        case needMoreData
    }

    let maximumLineLength: Int
    private var searchedBytes = 0
    private(set) var overlongReported = false

    init(maximumLineLength: Int) {
        precondition(maximumLineLength > 0, "the line limit must be positive")
        self.maximumLineLength = maximumLineLength
    }

    /// The next line of `bytes` from `start`, which must be where the previous one ended.
    mutating func next(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Step {
        if self.overlongReported { return .needMoreData }
        let readable = bytes.count - start
        let searchFrom = start + self.searchedBytes
        let found: Int? = searchFrom < bytes.count
            ? memchr(bytes.baseAddress! + searchFrom, Int32(UInt8(ascii: "\n")), bytes.count - searchFrom)
                .map { UnsafeRawPointer($0) - bytes.baseAddress! }
            : nil
        guard let newline = found else {
            // One byte of slack: the line may still end in `\r\n`.
            if readable > self.maximumLineLength + 1 { return self.reportOverlong() }
            self.searchedBytes = readable
            return .needMoreData
        }
        self.searchedBytes = 0
        var end = newline
        if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        if end - start > self.maximumLineLength { return self.reportOverlong() }
        return .line(start..<end, next: newline + 1)
    }

    private mutating func reportOverlong() -> Step {
        self.overlongReported = true
        self.searchedBytes = 0
        return .overlong
    }
}
