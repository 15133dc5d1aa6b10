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
}
