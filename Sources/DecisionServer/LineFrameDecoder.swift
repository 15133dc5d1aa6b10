import NIOCore

/// One frame of the newline-delimited protocol.
public enum LineFrame: Equatable, Sendable {
    /// A complete line, without its `\n` (and without a trailing `\r`).
    case line(ByteBuffer)
    /// The peer sent a line longer than the limit; nothing after it is decoded.
    case overlong
}

/// Splits a byte stream into lines of at most `maximumLineLength` bytes.
///
/// Follows the `ByteToMessageDecoder` contract: when no full line is buffered
/// it returns `.needMoreData` without moving the reader index. It remembers how
/// far it has already searched so a long line arriving in small pieces is
/// scanned once, not quadratically. After an over-long line it reports
/// `.overlong` once and then discards everything: the connection is about to
/// be closed and memory must stay bounded.
public struct LineFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = LineFrame

    public let maximumLineLength: Int
    private var searchedBytes = 0
    private var overlongReported = false

    public init(maximumLineLength: Int) {
        precondition(maximumLineLength > 0, "the line limit must be positive")
        self.maximumLineLength = maximumLineLength
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = self.nextFrame(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        // A partial line at end of stream was never a request: drop it.
        let state = try self.decode(context: context, buffer: &buffer)
        if state == .needMoreData { buffer.moveReaderIndex(to: buffer.writerIndex) }
        return state
    }

    /// The next frame in `buffer`, consuming it; nil when more bytes are needed.
    mutating func nextFrame(_ buffer: inout ByteBuffer) -> LineFrame? {
        if self.overlongReported {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return nil
        }
        let readable = buffer.readableBytes
        let searchFrom = self.searchedBytes
        let newline = buffer.withUnsafeReadableBytes { bytes -> Int? in
            var index = searchFrom
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "\n") { return index }
                index += 1
            }
            return nil
        }
        guard let newline else {
            // One byte of slack: the line may still end in `\r\n`.
            if readable > self.maximumLineLength + 1 { return self.reportOverlong(&buffer) }
            self.searchedBytes = readable
            return nil
        }
        self.searchedBytes = 0
        var length = newline
        if length > 0, buffer.getInteger(at: buffer.readerIndex + length - 1, as: UInt8.self) == UInt8(ascii: "\r") {
            length -= 1
        }
        if length > self.maximumLineLength { return self.reportOverlong(&buffer) }
        let line = buffer.getSlice(at: buffer.readerIndex, length: length)!
        buffer.moveReaderIndex(forwardBy: newline + 1)
        return .line(line)
    }

    private mutating func reportOverlong(_ buffer: inout ByteBuffer) -> LineFrame {
        self.overlongReported = true
        self.searchedBytes = 0
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .overlong
    }
}
