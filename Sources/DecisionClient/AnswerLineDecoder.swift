import NIOCore

/// Splits the server's answers into lines (without the `\n`).
struct AnswerLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// Answers are small; a longer line means the peer is not an Agate server.
    let maximumLineLength: Int
    private var searched = 0

    init(maximumLineLength: Int) {
        self.maximumLineLength = maximumLineLength
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view.dropFirst(self.searched).firstIndex(of: UInt8(ascii: "\n")) else {
            self.searched = view.count
            if view.count > self.maximumLineLength { throw DecisionClientError.answerTooLong }
            return .needMoreData
        }
        self.searched = 0
        let length = newline - view.startIndex
        let line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        context.fireChannelRead(Self.wrapInboundOut(line))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        let state = try self.decode(context: context, buffer: &buffer)
        if state == .needMoreData { buffer.moveReaderIndex(to: buffer.writerIndex) }
        return state
    }
}
