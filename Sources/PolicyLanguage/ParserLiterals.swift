// Literal and schedule primaries. Values are decoded from the token bytes by
// `LiteralParsing`, the same code that made the lexer accept them.

extension ParserState {
    /// A literal at the current token, or nil if it is not one. A literal-shaped
    /// error token becomes an `.error` node (its diagnostic comes from `advance`).
    mutating func parseLiteral() -> Expr? {
        let token = current
        let bytes = file.bytes
        let s = Int(token.start), e = Int(token.end)
        let kind: ExprKind
        switch token.kind {
        case .string: kind = .string(LiteralParsing.string(bytes, s, e))
        case .integer: kind = LiteralParsing.integer(bytes, s, e).map(ExprKind.integer) ?? .error
        case .duration: kind = LiteralParsing.duration(bytes, s, e).map(ExprKind.duration) ?? .error
        case .timeOfDay: return parseTime(allowEndOfDay: false)
        case .ipv4: kind = LiteralParsing.ipv4(bytes, s, e).map(ExprKind.ip) ?? .error
        case .ipv6: kind = LiteralParsing.ipv6(bytes, s, e).map(ExprKind.ip) ?? .error
        case .cidr: kind = LiteralParsing.cidr(bytes, s, e).map(ExprKind.cidr) ?? .error
        case .regex:
            let (pattern, flags) = LiteralParsing.regex(bytes, s, e)
            kind = .regex(pattern: pattern, flags: flags)
        case .kwTrue: kind = .boolean(true)
        case .kwFalse: kind = .boolean(false)
        case .error: kind = .error
        default: return nil
        }
        advance()
        return Expr(kind, span: span(token))
    }

    /// A time of day; `24:00` only where a range ends.
    mutating func parseTime(allowEndOfDay: Bool) -> Expr {
        let token = current
        if token.kind == .error {
            advance()
            return Expr(.error, span: span(token))
        }
        guard token.kind == .timeOfDay,
              let seconds = LiteralParsing.timeOfDay(file.bytes, Int(token.start), Int(token.end)) else {
            report(.expectedToken, "expected a time of day such as `08:00`, found \(describeCurrent())",
                   at: currentSpan)
            return Expr(.error, span: Span(file: file.id, start: token.start, end: token.start))
        }
        advance()
        if seconds == 86_400, !allowEndOfDay {
            reportRecovered(.invalidTime, "\(describe(token)) can only end a time range", at: span(token),
                            help: "use `00:00` for midnight at the start of a day")
        }
        return Expr(.timeOfDay(seconds), span: span(token))
    }

    /// `schedule DAYS TIME..TIME "Zone"` where DAYS is `mon..fri`, `mon, wed`, ….
    mutating func parseSchedule() -> Expr {
        let keyword = advance()
        var days: [WeekdayRange] = []
        repeat {
            guard let first = weekday() else { return Expr(.error, span: span(from: keyword.start)) }
            var last: Identifier? = nil
            if check(.minus) {
                reportRecovered(.expectedToken, "expected `..` in a range of days, found `-`", at: currentSpan,
                                help: "write a range of days as `mon..fri`")
                advance()
                guard let end = weekday() else { return Expr(.error, span: span(from: keyword.start)) }
                last = end
            } else if consume(.dotDot) != nil {
                guard let end = weekday() else { return Expr(.error, span: span(from: keyword.start)) }
                last = end
            }
            days.append(WeekdayRange(first: first, last: last, span: first.span.merged(with: (last ?? first).span)))
        } while consume(.comma) != nil
        let start = parseTime(allowEndOfDay: false)
        guard expect(.dotDot, "between the start and end times of a schedule",
                     help: "write a range such as `08:00..18:00`") != nil else {
            return Expr(.error, span: span(from: keyword.start))
        }
        let end = parseTime(allowEndOfDay: true)
        guard let zone = expectString("naming the schedule's time zone, such as `\"Europe/London\"`") else {
            return Expr(.error, span: span(from: keyword.start))
        }
        return Expr(.schedule(days: days, start: start, end: end, zone: zone), span: span(from: keyword.start))
    }

    mutating func weekday() -> Identifier? {
        if check(.identifier) { return identifier(advance()) }
        report(.expectedToken, "expected a weekday such as `mon`, found \(describeCurrent())", at: currentSpan,
               help: "days are `mon` to `sun`, as a range `mon..fri` or a list `mon, wed, fri`")
        return nil
    }
}
