import NIOCore
import NIOTestUtils
import Testing
@testable import DecisionServer

@Suite struct LineFrameDecoderTests {
    private func line(_ text: String) -> LineFrame { .line(ByteBuffer(string: text)) }

    @Test func splitsLinesWhateverTheChunking() throws {
        try ByteToMessageDecoderVerifier.verifyDecoder(
            stringInputOutputPairs: [
                ("a\n", [line("a")]),
                ("{\"id\":1}\nsecond\n", [line("{\"id\":1}"), line("second")]),
                ("crlf\r\n", [line("crlf")]),
                ("\n", [line("")]),
                ("exactly8\n", [line("exactly8")]),
            ],
            decoderFactory: { LineFrameDecoder(maximumLineLength: 8) }
        )
    }

    @Test func reportsAnOverlongLineOnceAndDiscardsTheRest() throws {
        try ByteToMessageDecoderVerifier.verifyDecoder(
            stringInputOutputPairs: [
                ("ok\n123456789\nafter\n", [line("ok"), .overlong]),
                ("12345678901234567890", [.overlong]),
            ],
            decoderFactory: { LineFrameDecoder(maximumLineLength: 8) }
        )
    }

    @Test func scansALongLineArrivingInPiecesOnce() {
        var decoder = LineFrameDecoder(maximumLineLength: 1 << 20)
        var buffer = ByteBuffer()
        for _ in 0..<1000 {
            buffer.writeString(String(repeating: "x", count: 100))
            #expect(decoder.nextFrame(&buffer) == nil)
        }
        #expect(buffer.readableBytes == 100_000)
        buffer.writeString("\n")
        #expect(decoder.nextFrame(&buffer) == .line(ByteBuffer(string: String(repeating: "x", count: 100_000))))
        #expect(buffer.readableBytes == 0)
    }

    @Test func dropsAPartialLineAtEndOfStream() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(maximumLineLength: 64)))
        try channel.writeInbound(ByteBuffer(string: "whole\npart"))
        #expect(try channel.readInbound(as: LineFrame.self) == .line(ByteBuffer(string: "whole")))
        _ = try channel.finish()
        #expect(try channel.readInbound(as: LineFrame.self) == nil)
    }
}
