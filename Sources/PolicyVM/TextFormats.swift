import PolicyLanguage

/// Parsers for the text formats inside request strings: RFC 3339 timestamps
/// and IP addresses. Pure functions over bytes; no Foundation, no allocation.
enum TextFormats {
    /// RFC 3339 `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` → epoch seconds
    /// (fractional seconds truncated toward the past).
    static func timestamp(_ s: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard let p = s.baseAddress, s.count >= 20 else { return nil }
        /// The `n` digits at `at` as a number, or -1.
        @inline(__always) func digits(_ at: Int, _ n: Int) -> Int64 {
            var v: Int64 = 0
            for k in at..<(at + n) {
                let d = p[k] &- UInt8(ascii: "0")
                if d >= 10 { return -1 }
                v = v &* 10 &+ Int64(d)
            }
            return v
        }
        // `YYYY-MM-DDTHH:MM:SS` sits at fixed offsets; only the tail varies.
        let year = digits(0, 4), month = digits(5, 2), day = digits(8, 2)
        let hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2)
        guard p[4] == UInt8(ascii: "-"), p[7] == UInt8(ascii: "-"), p[10] | 0x20 == UInt8(ascii: "t"),
              p[13] == UInt8(ascii: ":"), p[16] == UInt8(ascii: ":"),
              year >= 0, month >= 1, month <= 12, day >= 1, day <= CivilTime.daysIn(month: month, year: year),
              hour >= 0, hour < 24, minute >= 0, minute < 60, second >= 0, second <= 60 else { return nil }
        var i = 19
        if p[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < s.count, p[i] &- UInt8(ascii: "0") < 10 { i += 1 }
            guard i > start else { return nil }
        }
        guard i < s.count else { return nil }
        var offset: Int64 = 0
        if p[i] | 0x20 == UInt8(ascii: "z") {
            i += 1
        } else if p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") {
            guard i + 6 <= s.count, p[i + 3] == UInt8(ascii: ":") else { return nil }
            let sign: Int64 = p[i] == UInt8(ascii: "-") ? -1 : 1
            let oh = digits(i + 1, 2), om = digits(i + 4, 2)
            guard oh >= 0, oh < 24, om >= 0, om < 60 else { return nil }
            offset = sign * (oh * 3600 + om * 60)
            i += 6
        } else {
            return nil
        }
        guard i == s.count else { return nil }
        let days = CivilTime.days(year: year, month: month, day: day)
        return days * 86_400 + hour * 3600 + minute * 60 + second - offset
    }

    /// IPv4 dotted quad (no leading zeros) or IPv6 (compressed, embedded IPv4).
    static func ip(_ s: UnsafeBufferPointer<UInt8>) -> IPAddress? {
        if let v4 = ipv4(s, from: 0, to: s.count) {
            return IPAddress(high: 0, low: 0x0000_FFFF_0000_0000 | UInt64(v4), isV4: true)
        }
        return ipv6(s)
    }

    private static func ipv4(_ s: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> UInt32? {
        var value: UInt32 = 0
        var i = from
        for part in 0..<4 {
            // One to three digits, no leading zero, at most 255.
            let start = i
            var number: UInt32 = 0
            while i < to, i - start < 3 {
                let d = s[i] &- UInt8(ascii: "0")
                if d >= 10 { break }
                number = number &* 10 &+ UInt32(d)
                i += 1
            }
            guard i > start, number <= 255, i - start == 1 || s[start] != UInt8(ascii: "0") else { return nil }
            value = value << 8 | number
            if part < 3 {
                guard i < to, s[i] == UInt8(ascii: ".") else { return nil }
                i += 1
            }
        }
        return i == to ? value : nil
    }

    private static func ipv6(_ s: UnsafeBufferPointer<UInt8>) -> IPAddress? {
        var groups: (UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16, UInt16) = (0, 0, 0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &groups) { raw -> IPAddress? in
            let g = raw.baseAddress!.assumingMemoryBound(to: UInt16.self)
            var count = 0
            var gap = -1
            var i = 0
            let n = s.count
            guard n >= 2 else { return nil }
            if s[0] == UInt8(ascii: ":") {
                guard s[1] == UInt8(ascii: ":") else { return nil }
                gap = 0
                i = 2
                if i == n { return IPAddress(high: 0, low: 0, isV4: false) }
            }
            while i < n {
                // An embedded IPv4 tail takes two groups.
                var j = i
                var hasDot = false
                while j < n, s[j] != UInt8(ascii: ":") { if s[j] == UInt8(ascii: ".") { hasDot = true }; j += 1 }
                if hasDot {
                    guard j == n, count <= 6, let v4 = ipv4(s, from: i, to: n) else { return nil }
                    g[count] = UInt16(v4 >> 16); g[count + 1] = UInt16(v4 & 0xFFFF)
                    count += 2
                    i = n
                    break
                }
                guard j > i, j - i <= 4, count < 8 else { return nil }
                var v: UInt16 = 0
                for k in i..<j {
                    guard let d = hexDigit(s[k]) else { return nil }
                    v = v << 4 | UInt16(d)
                }
                g[count] = v
                count += 1
                i = j
                if i == n { break }
                i += 1  // the ':'
                if i < n, s[i] == UInt8(ascii: ":") {
                    guard gap < 0 else { return nil }
                    gap = count
                    i += 1
                    if i == n { break }
                } else if i == n {
                    return nil  // trailing single ':'
                }
            }
            if gap >= 0 {
                guard count < 8 else { return nil }
                let tail = count - gap
                for k in 0..<tail { g[7 - k] = g[count - 1 - k] }
                for k in gap..<(8 - tail) { g[k] = 0 }
            } else {
                guard count == 8 else { return nil }
            }
            var high: UInt64 = 0, low: UInt64 = 0
            for k in 0..<4 { high = high << 16 | UInt64(g[k]) }
            for k in 4..<8 { low = low << 16 | UInt64(g[k]) }
            return IPAddress(high: high, low: low, isV4: false)
        }
    }
}

/// RFC 3339 timestamps as the request decoder reads them.
public enum Timestamps {
    /// Epoch seconds, or nil when `text` is not RFC 3339 (`Z` or an offset; fractions truncated).
    public static func parse(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { TextFormats.timestamp($0) }
    }

    /// The same, on raw bytes (replay reads each log line's `time` this way).
    @inline(__always)
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        TextFormats.timestamp(bytes)
    }
}
