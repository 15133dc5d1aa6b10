import PolicyVM
import TestSupport
import Testing

/// The word-at-a-time byte tests against plain byte loops: every byte value in
/// every position of a word, then random words near the interesting bytes.
@Suite struct StringScanTests {
    static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    static func isSpecial(_ byte: UInt8, stopAtNonASCII: Bool) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || (stopAtNonASCII && byte >= 0x80)
    }

    static func word(_ bytes: [UInt8]) -> UInt64 {
        bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    /// Words to try: each byte value at each position among hex digits, and
    /// random words drawn mostly from bytes at the edges of the ranges tested.
    static func words() -> [[UInt8]] {
        var words: [[UInt8]] = []
        for position in 0..<8 {
            for byte in 0...255 {
                var bytes = Array("0123abcf".utf8)
                bytes[position] = UInt8(byte)
                words.append(bytes)
            }
        }
        let edges: [UInt8] = [0x00, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x2F, 0x30, 0x39, 0x3A, 0x5B, 0x5C, 0x5D, 0x60, 0x61,
                              0x66, 0x67, 0x7F, 0x80, 0xA2, 0xDC, 0xFF]
        var random = SeededRandom(seed: 7)
        for _ in 0..<20_000 {
            words.append((0..<8).map { _ in random.chance(0.7) ? random.pick(edges) : UInt8(truncatingIfNeeded: random.next()) })
        }
        return words
    }

    @Test func allLowerHexIsEveryByteAHexDigit() {
        for bytes in Self.words() {
            #expect(StringScan.allLowerHex(Self.word(bytes)) == bytes.allSatisfy(Self.isLowerHex), "\(bytes)")
        }
    }

    @Test func specialsFlagsTheFirstSpecialByte() {
        for bytes in Self.words() {
            for stop in [false, true] {
                let mask = StringScan.specials(Self.word(bytes), stopAtNonASCII: stop)
                let first = bytes.firstIndex { Self.isSpecial($0, stopAtNonASCII: stop) }
                #expect((mask == 0 ? nil : mask.trailingZeroBitCount >> 3) == first, "\(bytes) \(stop)")
            }
        }
    }

    @Test func bytesEqualToFlagsTheFirstMatch() {
        for bytes in Self.words() {
            for byte: UInt8 in [0x00, 0x22, 0x5C, 0x80, 0xFF] {
                let mask = StringScan.bytes(of: Self.word(bytes), equalTo: byte)
                #expect((mask == 0 ? nil : mask.trailingZeroBitCount >> 3) == bytes.firstIndex(of: byte), "\(bytes) \(byte)")
            }
        }
    }

    @Test func skipPlainStopsAtTheFirstSpecialByteOrNearTheEnd() {
        var random = SeededRandom(seed: 11)
        for _ in 0..<5_000 {
            let count = random.int(0...40)
            var bytes = (0..<count).map { _ in UInt8(ascii: "a") + UInt8(random.int(0...25)) }
            if count > 0, random.chance(0.8) { bytes[random.int(0...(count - 1))] = random.pick([0x0A, 0x22, 0x5C, 0xC3]) }
            let stop = random.chance(0.5)
            let got = bytes.withUnsafeBytes { StringScan.skipPlain($0.baseAddress ?? UnsafeRawPointer(bitPattern: 8)!,
                                                                  from: 0, to: count, stopAtNonASCII: stop) }
            let first = bytes.firstIndex { Self.isSpecial($0, stopAtNonASCII: stop) } ?? count
            // It stops exactly at the special byte, or within the last
            // seven bytes before it, where the caller's byte loop takes over.
            #expect(got <= first && (got == first || first - got < 8 && count - got < 8), "\(bytes) \(stop): \(got)")
        }
    }
}
