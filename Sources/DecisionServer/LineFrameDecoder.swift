import NIOCore

/// One frame of the newline-delimited protocol.
public enum LineFrame: Equatable, Sendable {
    /// A complete line, without its `\n` (and without a trailing `\r`).
    case line(ByteBuffer)
    /// The peer sent a line longer than the limit; nothing after it is decoded.
    case overlong
}

/// Splits a byte stream into lines of at most `maximumLineLength` bytes, as
/// a `ByteToMessageDecoder` for NIO pipelines. The server itself answers lines
/// in place with the same ``LineSplitter`` instead of slicing frames.
///
/// Follows the `ByteToMessageDecoder` contract: when no full line is buffered
/// it returns `.needMoreData` without moving the reader index. It remembers how
/// far it has already searched so a long line arriving in small pieces is
/// scanned once, not quadratically. After an over-long line it reports
/// `.overlong` once and then discards everything: the connection is about to
/// be closed and memory must stay bounded.
public struct LineFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = LineFrame

    public var maximumLineLength: Int { self.splitter.maximumLineLength }
    private var splitter: LineSplitter

    public init(maximumLineLength: Int) {
        self.splitter = LineSplitter(maximumLineLength: maximumLineLength)
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
        if self.splitter.overlongReported {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return nil
        }
        let step = buffer.withUnsafeReadableBytes { self.splitter.next($0, from: 0) }
        switch step {
        case .needMoreData:
            return nil
        case .overlong:
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .overlong
        case .line(let range, let next):
            let line = buffer.getSlice(at: buffer.readerIndex + range.lowerBound, length: range.count)!
            buffer.moveReaderIndex(forwardBy: next)
            return .line(line)
        }
    }
}
