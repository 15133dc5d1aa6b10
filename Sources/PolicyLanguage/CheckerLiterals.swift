// Literal validation: networks, regexes (compiled once with PCRE2), sets and schedules.

import CPCRE2
import Foundation

extension CheckerState {
    mutating func timeOfDay(_ seconds: Int32, span: Span) -> TypedExpr {
        guard seconds < 86_400 else {
            report(.invalidTimeOfDay, "`\(text(span))` is only valid as the end of a schedule range", at: span,
                   help: "use `23:59:59`, or write a schedule: `schedule mon..sun 18:00..24:00 \"UTC\"`")
            return errorExpr(span)
        }
        return TypedExpr(.constant(.timeOfDay(seconds)), type: .timeOfDay, span: span)
    }

    // MARK: networks

    /// Networks are validated by the lexer (prefix within the family); the checker
    /// only warns about host bits, which usually mean a mistyped network.
    mutating func cidrLiteral(_ cidr: CIDR, span: Span) -> TypedExpr {
        if Self.hasHostBits(cidr) {
            let network = Self.maskedNetwork(cidr)
            report(.cidrHostBits, "`\(text(span))` has host bits set after the /\(Self.writtenPrefix(cidr)) prefix",
                   at: span, help: "the network is `\(Self.format(network))`; write that, or the address alone")
        }
        return TypedExpr(.constant(.cidr(cidr)), type: .cidr, span: span)
    }

    /// The prefix as written: an IPv4 prefix is stored on the 128-bit form (`+ 96`).
    static func writtenPrefix(_ cidr: CIDR) -> Int { Int(cidr.prefix) - (cidr.address.isV4 ? 96 : 0) }

    static func hasHostBits(_ cidr: CIDR) -> Bool {
        let masked = maskedNetwork(cidr)
        return masked.address.high != cidr.address.high || masked.address.low != cidr.address.low
    }

    static func maskedNetwork(_ cidr: CIDR) -> CIDR {
        let bits = Int(cidr.prefix)
        var result = cidr
        result.address.high = bits >= 64 ? cidr.address.high : (bits == 0 ? 0 : cidr.address.high & ~(UInt64.max >> UInt64(bits)))
        let lowBits = bits - 64
        result.address.low = lowBits >= 64 ? cidr.address.low
            : (lowBits <= 0 ? 0 : cidr.address.low & ~(UInt64.max >> UInt64(lowBits)))
        return result
    }

    /// A network in the usual notation, for help text.
    static func format(_ cidr: CIDR) -> String {
        "\(format(cidr.address))/\(writtenPrefix(cidr))"
    }

    static func format(_ ip: IPAddress) -> String {
        if ip.isV4 {
            let v = UInt32(truncatingIfNeeded: ip.low)
            return "\(v >> 24).\((v >> 16) & 0xFF).\((v >> 8) & 0xFF).\(v & 0xFF)"
        }
        let groups = (0..<8).map { index -> UInt16 in
            let word = index < 4 ? ip.high : ip.low
            return UInt16(truncatingIfNeeded: word >> UInt64(48 - 16 * (index % 4)))
        }
        return formatV6(groups)
    }

    /// RFC 5952: lowercase hex, the longest run (≥ 2) of zero groups compressed.
    private static func formatV6(_ groups: [UInt16]) -> String {
        var bestStart = -1, bestLength = 0, index = 0
        while index < 8 {
            guard groups[index] == 0 else { index += 1; continue }
            var end = index
            while end < 8, groups[end] == 0 { end += 1 }
            if end - index > bestLength, end - index >= 2 { (bestStart, bestLength) = (index, end - index) }
            index = end
        }
        let hex = groups.map { String($0, radix: 16) }
        guard bestStart >= 0 else { return hex.joined(separator: ":") }
        let head = hex[..<bestStart].joined(separator: ":")
        let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
        return head + "::" + tail
    }

    /// An address as the one-host network it denotes inside a set of networks.
    static func hostNetwork(_ ip: IPAddress) -> CIDR { CIDR(address: ip, prefix: 128) }

    // MARK: regexes

    mutating func regexLiteral(pattern: String, flags: String, span: Span) -> TypedExpr {
        var options: UInt32 = PCRE2_UTF
        var seen = Set<Character>()
        var valid = true
        for flag in flags {
            let option: UInt32? = switch flag {
            case "i": PCRE2_CASELESS
            case "m": PCRE2_MULTILINE
            case "s": PCRE2_DOTALL
            case "x": PCRE2_EXTENDED
            default: nil
            }
            guard let option, seen.insert(flag).inserted else {
                report(.invalidRegex, "invalid regex flag `\(flag)`", at: span,
                       help: "flags are `i` (ignore case), `m` (multiline), `s` (dot matches newline), `x` (extended), each at most once")
                valid = false
                continue
            }
            options |= option
        }
        if let failure = Self.compileError(pattern: pattern, options: options) {
            // The pattern starts one byte after the opening slash.
            let offset = span.start + 1 + UInt32(min(failure.offset, pattern.utf8.count))
            let at = Span(file: span.file, start: offset, end: min(offset + 1, max(span.end, offset)))
            report(.invalidRegex, "invalid regex: \(failure.message)", at: at,
                   labels: [DiagnosticLabel(span: span, message: "in this regex")],
                   help: "regexes use PCRE2 syntax; escape a literal `/` as `\\/`")
            return errorExpr(span)
        }
        guard valid else { return errorExpr(span) }
        return TypedExpr(.constant(.regex(RegexLiteral(pattern: pattern, flags: flags))), type: .regex, span: span)
    }

    /// PCRE2's message and byte offset when the pattern does not compile.
    static func compileError(pattern: String, options: UInt32) -> (message: String, offset: Int)? {
        var errorCode: Int32 = 0
        var errorOffset = 0
        // A trailing NUL keeps the buffer non-empty; the explicit length excludes it.
        let bytes = Array(pattern.utf8) + [0]
        let code = bytes.withUnsafeBufferPointer { buffer in
            pcre2_compile_8(buffer.baseAddress, buffer.count - 1, options, &errorCode, &errorOffset, nil)
        }
        if let code {
            pcre2_code_free_8(code)
            return nil
        }
        var message = [UInt8](repeating: 0, count: 256)
        let length = pcre2_get_error_message_8(errorCode, &message, message.count)
        let text = length > 0 ? String(decoding: message.prefix(Int(length)), as: UTF8.self) : "error \(errorCode)"
        return (text, errorOffset)
    }

    // MARK: sets

    mutating func setLiteral(_ elements: [Expr], span: Span, expecting: ValueType?) -> TypedExpr {
        var typed: [TypedExpr] = []
        var failed = false
        for element in elements {
            let checked = expr(element, expecting: nil)
            failed = failed || checked.type.isError
            switch checked.type {
            case .set, .schedule, .regex:
                report(.nestedSet, "a set cannot hold a `\(checked.type)`", at: element.span,
                       help: "sets hold plain values: strings, numbers, addresses, networks, names")
                failed = true
            default:
                guard case .constant = checked.kind else {
                    if !checked.type.isError {
                        report(.nestedSet, "set elements must be constants", at: element.span,
                               help: "test request values with `in` instead: `x in [\"a\", \"b\"]`")
                    }
                    failed = true
                    continue
                }
                typed.append(checked)
            }
        }
        guard !failed else { return errorExpr(span) }
        guard let elementType = unifySetElements(typed) else { return errorExpr(span) }
        if typed.isEmpty {
            var element = ValueType.error
            if case .set(let wanted)? = expecting { element = wanted }
            return TypedExpr(.constant(.set([], elementType: element)), type: .set(element), span: span)
        }
        var values: [Value] = []
        var firstSpan: [Value: Span] = [:]
        for element in typed {
            guard case .constant(var value) = element.kind else { continue }
            if elementType == .cidr, case .ip(let ip) = value { value = .cidr(Self.hostNetwork(ip)) }
            if let first = firstSpan[value] {
                report(.duplicateSetElement, "`\(text(element.span))` is already in this set", at: element.span,
                       labels: [DiagnosticLabel(span: first, message: "first listed here")],
                       help: "remove the repeated element")
                continue
            }
            firstSpan[value] = element.span
            values.append(value)
        }
        return TypedExpr(.constant(.set(values, elementType: elementType)), type: .set(elementType), span: span)
    }

    /// The one element type of a set; addresses mixed with networks make a set of networks.
    private mutating func unifySetElements(_ elements: [TypedExpr]) -> ValueType? {
        guard let first = elements.first else { return .error }
        let types = Set(elements.map(\.type))
        if types.count == 1 { return first.type }
        if types == [.ip, .cidr] { return .cidr }
        let offender = elements.first { $0.type != first.type && !(Set([$0.type, first.type]) == [.ip, .cidr]) }
            ?? elements[1]
        report(.mixedSet, "a set cannot mix `\(first.type)` and `\(offender.type)`", at: offender.span,
               labels: [DiagnosticLabel(span: first.span, message: "the set holds `\(first.type)` from here")],
               help: "every element of a set has the same type")
        return nil
    }

    // MARK: schedules

    mutating func scheduleLiteral(days: [WeekdayRange], start: Expr, end: Expr, zone: StringLiteral,
                                  span: Span) -> TypedExpr {
        var failed = false
        let mask = weekdayMask(days, failed: &failed)
        let startTime = scheduleTime(start, isEnd: false, failed: &failed)
        let endTime = scheduleTime(end, isEnd: true, failed: &failed)
        if let startTime, let endTime, startTime >= endTime {
            report(.emptyTimeRange, "the schedule's range `\(text(start.span))..\(text(end.span))` is empty",
                   at: start.span.merged(with: end.span),
                   help: "a range is `[start, end)` within one day; split an overnight window into two policies or schedules")
            failed = true
        }
        if TimeZone(identifier: zone.value) == nil {
            report(.unknownTimeZone, "unknown time zone `\(zone.value)`", at: zone.span,
                   help: EditDistance.help(for: zone.value, among: TimeZone.knownTimeZoneIdentifiers + ["UTC"])
                       ?? "use an IANA zone name such as `\"Europe/London\"` or `\"UTC\"`")
            failed = true
        }
        guard !failed, let startTime, let endTime else { return errorExpr(span) }
        let schedule = Schedule(weekdays: mask, start: startTime, end: endTime, zone: zone.value)
        return TypedExpr(.constant(.schedule(schedule)), type: .schedule, span: span)
    }

    private mutating func weekdayMask(_ days: [WeekdayRange], failed: inout Bool) -> UInt8 {
        var mask: UInt8 = 0
        for range in days {
            guard let first = weekday(range.first) else { failed = true; continue }
            var last = first
            if let lastName = range.last {
                guard let day = weekday(lastName) else { failed = true; continue }
                last = day
            }
            guard first.rawValue <= last.rawValue else {
                report(.backwardWeekdayRange, "weekday range `\(text(range.span))` runs backwards", at: range.span,
                       help: "ranges run from Monday to Sunday; write `\(first.name)..sun, \(last == .mon ? "mon" : "mon..\(last.name)")`")
                failed = true
                continue
            }
            var rangeMask: UInt8 = 0
            for raw in first.rawValue...last.rawValue { rangeMask |= 1 << raw }
            if rangeMask & mask != 0 {
                report(.duplicateWeekday, "`\(text(range.span))` repeats a day already in this schedule", at: range.span,
                       help: "list each day once")
            }
            mask |= rangeMask
        }
        return mask
    }

    private mutating func weekday(_ identifier: Identifier) -> Weekday? {
        if let day = Weekday.allCases.first(where: { $0.name == identifier.name }) { return day }
        report(.unknownWeekday, "unknown weekday `\(identifier.name)`", at: identifier.span,
               help: EditDistance.help(for: identifier.name, among: Weekday.allCases.map(\.name))
                   ?? "weekdays are `mon`, `tue`, `wed`, `thu`, `fri`, `sat`, `sun`")
        return nil
    }

    private mutating func scheduleTime(_ e: Expr, isEnd: Bool, failed: inout Bool) -> Int32? {
        guard case .timeOfDay(let seconds) = e.stripped.kind else {
            if case .error = e.kind { failed = true; return nil }
            report(.nonConstantScheduleTime, "a schedule's \(isEnd ? "end" : "start") must be a time of day",
                   at: e.span, help: "write a time such as `08:00` or `17:30:00`")
            failed = true
            return nil
        }
        guard isEnd || seconds < 86_400 else {
            report(.invalidTimeOfDay, "`\(text(e.span))` is only valid as the end of a schedule range", at: e.span,
                   help: "a range starts at `00:00` … `23:59:59`")
            failed = true
            return nil
        }
        return seconds
    }
}
