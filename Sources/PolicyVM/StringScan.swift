/// Skipping the plain run at the start of a JSON string's contents, eight
/// bytes at a time (SWAR). Shared by the request decoder and replay's log
/// scanner, whose loops then handle the byte it stops at.
public enum StringScan {
    /// The index of the first byte in `start..<limit` that is `"`, `\`, a
    /// control byte or (when `stopAtNonASCII`) non-ASCII, or a point at most
    /// seven bytes before `limit` from which the caller's byte loop goes on.
    @inlinable @inline(__always)
    public static func skipPlain(_ base: UnsafeRawPointer, from start: Int, to limit: Int,
                                 stopAtNonASCII: Bool) -> Int {
        var i = start
        while i + 8 <= limit {
            let special = specials((base + i).loadUnaligned(as: UInt64.self), stopAtNonASCII: stopAtNonASCII)
            if special != 0 { return i + special.trailingZeroBitCount >> 3 }
            i += 8
        }
        return i
    }

    /// A mask whose lowest set bit, if any, is the high bit of the first byte
    /// of `x` (in memory order) that is `"`, `\`, a control byte or (when
    /// `stopAtNonASCII`) non-ASCII. The lowest flagged byte is always a real
    /// one (borrows only run upward); higher flags may be false alarms.
    @inlinable @inline(__always)
    public static func specials(_ x: UInt64, stopAtNonASCII: Bool) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let nonASCII: UInt64 = stopAtNonASCII ? x & highs : 0
        return nonASCII | ((x &- ones &* 0x20) & ~x & highs) | bytes(of: x, equalTo: 0x22) | bytes(of: x, equalTo: 0x5C)
    }

    /// A mask whose lowest set bit, if any, is the high bit of the first byte
    /// of `x` (in memory order) equal to `byte`; the same caveat as `specials`.
    @inlinable @inline(__always)
    public static func bytes(of x: UInt64, equalTo byte: UInt8) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let y = x ^ (ones &* UInt64(byte))
        return (y &- ones) & ~y & highs
    }

    /// Whether all eight bytes of `x` are lowercase hexadecimal digits (`0-9`, `a-f`).
    @inlinable @inline(__always)
    public static func allLowerHex(_ x: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        guard x & highs == 0 else { return false }
        // Every byte is below 0x80, so adding 0x80 - lo sets a byte's high bit
        // exactly when the byte is at least lo, and carries into no other byte.
        let from0 = (x &+ ones &* 0x50) & highs, past9 = (x &+ ones &* 0x46) & highs
        let fromA = (x &+ ones &* 0x1F) & highs, pastF = (x &+ ones &* 0x19) & highs
        return (from0 & ~past9) | (fromA & ~pastF) == highs
    }
}
