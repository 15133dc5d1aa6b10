/// RFC 3339 timestamps (`2026-11-20T14:03:00Z`, `…T14:03:00.123+01:00`) to
/// seconds since the epoch, on raw bytes: a log line's `time` is the replay's
/// clock for that request.
enum Timestamp {
    static func parse(_ p: UnsafeRawBufferPointer, _ span: ByteSpan) -> Int64? {
        guard span.count >= 20 else { return nil }
        let base = span.start
        func digits(_ at: Int, _ count: Int) -> Int64? {
            var value: Int64 = 0
            for k in 0..<count {
                let c = p[base + at + k] &- UInt8(ascii: "0")
                guard c < 10 else { return nil }
                value = value * 10 + Int64(c)
            }
            return value
        }
        guard p[base + 4] == UInt8(ascii: "-"), p[base + 7] == UInt8(ascii: "-"),
              p[base + 10] | 0x20 == UInt8(ascii: "t"), p[base + 13] == UInt8(ascii: ":"),
              p[base + 16] == UInt8(ascii: ":"),
              let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2),
              let hour = digits(11, 2), let minute = digits(14, 2), let second = digits(17, 2),
              (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 61
        else { return nil }
        var k = 19
        if p[base + k] == UInt8(ascii: ".") {
            k += 1
            let fractionStart = k
            while k < span.count, p[base + k] &- UInt8(ascii: "0") < 10 { k += 1 }
            guard k > fractionStart else { return nil }
        }
        guard k < span.count else { return nil }
        var offset: Int64 = 0
        switch p[base + k] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            k += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard span.count - k == 6, p[base + k + 3] == UInt8(ascii: ":"),
                  let h = digits(k + 1, 2), let m = digits(k + 4, 2), h < 24, m < 60 else { return nil }
            offset = (h * 60 + m) * 60 * (p[base + k] == UInt8(ascii: "+") ? 1 : -1)
            k += 6
        default:
            return nil
        }
        guard k == span.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return days * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offset
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Howard Hinnant's days-from-civil: days since 1970-01-01 in the proleptic Gregorian calendar.
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
