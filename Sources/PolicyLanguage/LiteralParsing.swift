/// Decoders for literal tokens. The lexer calls them to decide a token's kind
/// (only a run that decodes becomes a literal), and the parser calls them again
/// on the token's bytes to get the value, so both agree by construction.
/// Every function reads only `bytes[start..<end]` and never traps on bad input.
public enum LiteralParsing {
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x61...0x66: b - 0x61 + 10
        case 0x41...0x46: b - 0x41 + 10
        default: nil
        }
    }

    /// A decimal integer with `_` allowed between digits; nil if malformed or
    /// larger than `Int64.max`.
    public static func integer(_ bytes: [UInt8], _ start: Int, _ end: Int) -> Int64? {
        guard start < end, isDigit(bytes[start]), bytes[end - 1] != UInt8(ascii: "_") else { return nil }
        var value: Int64 = 0
        var previousWasUnderscore = false
        for i in start..<end {
            let b = bytes[i]
            if b == UInt8(ascii: "_") {
                if previousWasUnderscore { return nil }
                previousWasUnderscore = true
                continue
            }
            guard isDigit(b) else { return nil }
            previousWasUnderscore = false
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(b - 0x30))
            if o1 || o2 { return nil }
            value = s
        }
        return value
    }

    /// Seconds in a duration such as `90s`, `15m`, `1h30m`, `30d`: one or more
    /// `<digits><unit>` parts with units strictly decreasing (`d h m s`).
    public static func duration(_ bytes: [UInt8], _ start: Int, _ end: Int) -> Int64? {
        var i = start
        var total: Int64 = 0
        var lastUnit: Int64 = .max
        while i < end {
            let digitsStart = i
            while i < end, isDigit(bytes[i]) || bytes[i] == UInt8(ascii: "_") { i += 1 }
            guard i < end, let amount = integer(bytes, digitsStart, i) else { return nil }
            let unit: Int64
            switch bytes[i] {
            case UInt8(ascii: "d"): unit = 86_400
            case UInt8(ascii: "h"): unit = 3_600
            case UInt8(ascii: "m"): unit = 60
            case UInt8(ascii: "s"): unit = 1
            default: return nil
            }
            guard unit < lastUnit else { return nil }
            lastUnit = unit
            i += 1
            let (part, o1) = amount.multipliedReportingOverflow(by: unit)
            let (sum, o2) = total.addingReportingOverflow(part)
            if o1 || o2 { return nil }
            total = sum
        }
        return total
    }

    /// Seconds since midnight of `HH:MM` or `HH:MM:SS`, 0...86400 (`24:00` allowed
    /// here; the parser restricts it to range ends).
    public static func timeOfDay(_ bytes: [UInt8], _ start: Int, _ end: Int) -> Int32? {
        let length = end - start
        guard length == 5 || length == 8 else { return nil }
        func twoDigits(_ at: Int) -> Int32? {
            guard isDigit(bytes[at]), isDigit(bytes[at + 1]) else { return nil }
            return Int32(bytes[at] - 0x30) * 10 + Int32(bytes[at + 1] - 0x30)
        }
        guard bytes[start + 2] == UInt8(ascii: ":"),
              let hour = twoDigits(start), let minute = twoDigits(start + 3) else { return nil }
        var second: Int32 = 0
        if length == 8 {
            guard bytes[start + 5] == UInt8(ascii: ":"), let s = twoDigits(start + 6) else { return nil }
            second = s
        }
        guard minute < 60, second < 60 else { return nil }
        if hour == 24 { return minute == 0 && second == 0 ? 86_400 : nil }
        return hour < 24 ? hour * 3600 + minute * 60 + second : nil
    }

    /// A dotted-quad IPv4 address with no leading zeros in an octet (`010` is
    /// octal to some tools, so it is rejected rather than guessed).
    public static func ipv4(_ bytes: [UInt8], _ start: Int, _ end: Int) -> IPAddress? {
        guard let bits = ipv4Bits(bytes, start, end) else { return nil }
        return IPAddress(high: 0, low: 0xFFFF_0000_0000 | UInt64(bits), isV4: true)
    }

    static func ipv4Bits(_ bytes: [UInt8], _ start: Int, _ end: Int) -> UInt32? {
        var value: UInt32 = 0
        var parts = 0
        var i = start
        while i <= end, parts < 4 {
            let partStart = i
            var octet: UInt32 = 0
            while i < end, isDigit(bytes[i]), i - partStart < 3 {
                octet = octet * 10 + UInt32(bytes[i] - 0x30)
                i += 1
            }
            let digits = i - partStart
            guard digits > 0, octet <= 255, !(digits > 1 && bytes[partStart] == 0x30) else { return nil }
            value = value << 8 | octet
            parts += 1
            if parts < 4 {
                guard i < end, bytes[i] == UInt8(ascii: ".") else { return nil }
                i += 1
            }
        }
        return parts == 4 && i == end ? value : nil
    }

    /// An IPv6 address in any RFC 4291 text form: full, `::`-compressed, and with
    /// an embedded IPv4 tail (`::ffff:1.2.3.4`).
    public static func ipv6(_ bytes: [UInt8], _ start: Int, _ end: Int) -> IPAddress? {
        var groups: [UInt16] = []
        groups.reserveCapacity(8)
        var compressedAt: Int? = nil
        var i = start
        if end - start >= 2, bytes[i] == UInt8(ascii: ":"), bytes[i + 1] == UInt8(ascii: ":") {
            compressedAt = 0
            i += 2
        }
        while i < end {
            let groupStart = i
            var group: UInt32 = 0
            while i < end, let h = hexValue(bytes[i]), i - groupStart < 4 {
                group = group << 4 | UInt32(h)
                i += 1
            }
            if i < end, bytes[i] == UInt8(ascii: ".") {
                // Embedded IPv4 must be the last 32 bits.
                guard groups.count <= 6, let v4 = ipv4Bits(bytes, groupStart, end) else { return nil }
                groups.append(UInt16(v4 >> 16))
                groups.append(UInt16(v4 & 0xFFFF))
                i = end
                break
            }
            guard i > groupStart, groups.count < 8 else { return nil }
            groups.append(UInt16(group))
            if i == end { break }
            guard bytes[i] == UInt8(ascii: ":"), i + 1 < end else { return nil }
            i += 1
            if bytes[i] == UInt8(ascii: ":") {
                guard compressedAt == nil else { return nil }
                compressedAt = groups.count
                i += 1
            }
        }
        return assembleIPv6(groups, compressedAt: compressedAt)
    }

    private static func assembleIPv6(_ groups: [UInt16], compressedAt: Int?) -> IPAddress? {
        var full = [UInt16](repeating: 0, count: 8)
        if let at = compressedAt {
            guard groups.count <= 7 else { return nil }
            for (k, g) in groups[..<at].enumerated() { full[k] = g }
            let tail = groups[at...]
            for (k, g) in tail.enumerated() { full[8 - tail.count + k] = g }
        } else {
            guard groups.count == 8 else { return nil }
            full = groups
        }
        var high: UInt64 = 0, low: UInt64 = 0
        for k in 0..<4 { high = high << 16 | UInt64(full[k]) }
        for k in 4..<8 { low = low << 16 | UInt64(full[k]) }
        return IPAddress(high: high, low: low, isV4: false)
    }

    /// `ADDR/PREFIX` for either family; nil if the address or prefix is invalid.
    public static func cidr(_ bytes: [UInt8], _ start: Int, _ end: Int) -> CIDR? {
        var slash = end - 1
        while slash > start, bytes[slash] != UInt8(ascii: "/") { slash -= 1 }
        guard slash > start, slash + 1 < end, end - slash - 1 <= 3 else { return nil }
        var prefix = 0
        for i in (slash + 1)..<end {
            guard isDigit(bytes[i]) else { return nil }
            prefix = prefix * 10 + Int(bytes[i] - 0x30)
        }
        if let v4 = ipv4(bytes, start, slash) {
            return prefix <= 32 ? CIDR(address: v4, prefix: UInt8(prefix + 96)) : nil
        }
        if let v6 = ipv6(bytes, start, slash) {
            return prefix <= 128 ? CIDR(address: v6, prefix: UInt8(prefix)) : nil
        }
        return nil
    }

    /// The value of a string token (quotes included in the range) that the lexer
    /// accepted; malformed escapes decode as U+FFFD rather than trapping.
    public static func string(_ bytes: [UInt8], _ start: Int, _ end: Int) -> String {
        guard end - start >= 2 else { return "" }
        if !bytes[(start + 1)..<(end - 1)].contains(UInt8(ascii: "\\")) {
            return String(decoding: bytes[(start + 1)..<(end - 1)], as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(max(0, end - start - 2))
        var i = start + 1
        let stop = end - 1
        while i < stop {
            let b = bytes[i]
            guard b == UInt8(ascii: "\\"), i + 1 < stop else {
                out.append(b)
                i += 1
                continue
            }
            i += 1
            switch bytes[i] {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "u"):
                let (scalar, next) = unicodeEscape(bytes, i + 1, stop)
                out.append(contentsOf: Array(String(scalar ?? "\u{FFFD}").utf8))
                i = next
                continue
            default: out.append(bytes[i])
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `{hex}` after `\u` starting at `start`; returns the scalar (nil if
    /// malformed) and the index after the closing brace (or where decoding stopped).
    static func unicodeEscape(_ bytes: [UInt8], _ start: Int, _ end: Int) -> (Unicode.Scalar?, Int) {
        guard start < end, bytes[start] == UInt8(ascii: "{") else { return (nil, start) }
        var i = start + 1
        var value: UInt32 = 0
        while i < end, let h = hexValue(bytes[i]), i - start <= 6 {
            value = value << 4 | UInt32(h)
            i += 1
        }
        let digits = i - start - 1
        guard digits >= 1, digits <= 6, i < end, bytes[i] == UInt8(ascii: "}") else { return (nil, i) }
        return (Unicode.Scalar(value), i + 1)
    }

    /// The pattern and flags of a regex token `/pattern/flags`, pattern as written.
    public static func regex(_ bytes: [UInt8], _ start: Int, _ end: Int) -> (pattern: String, flags: String) {
        var close = end - 1
        while close > start, bytes[close] != UInt8(ascii: "/") { close -= 1 }
        guard close > start else { return ("", "") }
        let pattern = String(decoding: bytes[(start + 1)..<close], as: UTF8.self)
        let flags = String(decoding: bytes[(close + 1)..<end], as: UTF8.self)
        return (pattern, flags)
    }
}
