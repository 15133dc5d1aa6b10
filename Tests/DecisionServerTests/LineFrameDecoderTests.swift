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

    /// Decodes `input` delivered in pieces of `chunk` bytes.
    private func decode(_ input: String, chunk: Int) -> [LineFrame] {
        var decoder = LineFrameDecoder(maximumLineLength: 8)
        var buffer = ByteBuffer()
        var frames: [LineFrame] = []
        var rest = Substring(input)
        while !rest.isEmpty {
            buffer.writeString(String(rest.prefix(chunk)))
            rest = rest.dropFirst(chunk)
            while let frame = decoder.nextFrame(&buffer) { frames.append(frame) }
        }
        return frames
    }

    // The verifier concatenates inputs and reuses decoders; an over-long line
    // ends a connection's decoding for good, so these are checked directly.
    @Test(arguments: [1, 3, 1000])
    func reportsAnOverlongLineOnceAndDiscardsTheRest(chunk: Int) {
        #expect(self.decode("ok\n123456789\nafter\n", chunk: chunk) == [line("ok"), .overlong])
        #expect(self.decode("12345678901234567890", chunk: chunk) == [.overlong])
        #expect(self.decode("12345678\r\nabc\n", chunk: chunk) == [line("12345678"), line("abc")])
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
}
