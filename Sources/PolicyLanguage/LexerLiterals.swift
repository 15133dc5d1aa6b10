// Literal tokens: strings, regexes, numbers, durations, times, IP addresses.
//
// Ambiguity rules (documented in docs/language.md):
// - A run of hex digits, colons and dots becomes an IPv6 address only if the
//   whole run parses as one and is not followed by a name character. So
//   `fe80::1` and `::1` are addresses, `08:00` is a time, and `scopes:` stays a
//   name followed by a colon.
// - A run never extends over `..`, so `08:00..18:00` is time, range, time.
// - `/` directly after an address (`10.0.0.0/8`) is a prefix; elsewhere it
//   starts a regex (there is no division).
extension Lexer {
    // MARK: - Strings

    mutating func string(from start: Int) -> Token {
        position += 1
        var issue: (LexicalError, Int, Int)? = nil
        while true {
            guard let b = peek(), b != 0x0A else { return unterminated(.unterminatedString, from: start) }
            switch b {
            case UInt8(ascii: "\""):
                position += 1
                if let (error, s, e) = issue {
                    return self.error(error, from: start, literal: .string, issueStart: s, issueEnd: e)
                }
                return token(.string, from: start)
            case UInt8(ascii: "\\"):
                let escapeStart = position
                if let bad = scanEscape(), issue == nil { issue = (bad, escapeStart, position) }
            default:
                if let bad = scanCharacter(), issue == nil { issue = (bad, position - 1, position) }
            }
        }
    }

    /// Consumes one escape (`position` at the backslash); returns an error if it is invalid.
    mutating func scanEscape() -> LexicalError? {
        guard let next = peek(1), next != 0x0A else {
            position += 1
            return .invalidEscape
        }
        switch next {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "n"), UInt8(ascii: "t"), UInt8(ascii: "r"):
            position += 2
            return nil
        case UInt8(ascii: "u"):
            let (scalar, after) = LiteralParsing.unicodeEscape(bytes, position + 2, bytes.count)
            // Never swallow the closing quote or the newline while reporting the error.
            var end = max(after, position + 2)
            if scalar == nil, end < bytes.count, bytes[end] != 0x0A, bytes[end] != UInt8(ascii: "\""),
               bytes[end] == UInt8(ascii: "}") { end += 1 }
            position = end
            return scalar == nil ? .invalidEscape : nil
        default:
            position += 1 + (junkLength(at: position + 1) ?? 1)
            return .invalidEscape
        }
    }

    /// Consumes one character inside a string or regex; reports invalid UTF-8.
    mutating func scanCharacter() -> LexicalError? {
        guard let length = junkLength(at: position) else {
            position += 1
            return .invalidUTF8
        }
        position += length
        return nil
    }

    /// An error token for a literal cut off by the end of its line; a trailing
    /// `\r` is left out of the span.
    func unterminated(_ error: LexicalError, from start: Int) -> Token {
        var end = position
        if end > start + 1, bytes[end - 1] == 0x0D { end -= 1 }
        let literal: TokenKind = error == .unterminatedString ? .string : .regex
        let issue = LexicalIssue(error: error, start: UInt32(start), end: UInt32(end), literal: literal)
        return Token(kind: .error, start: UInt32(start), end: UInt32(position), issue: issue)
    }

    // MARK: - Regexes

    mutating func regex(from start: Int) -> Token {
        position += 1
        var issue: (LexicalError, Int, Int)? = nil
        while true {
            guard let b = peek(), b != 0x0A else { return unterminated(.unterminatedRegex, from: start) }
            if b == UInt8(ascii: "/") { position += 1; break }
            if b == UInt8(ascii: "\\"), let next = peek(1), next != 0x0A { position += 1 }
            if let bad = scanCharacter(), issue == nil { issue = (bad, position - 1, position) }
        }
        var seen: UInt8 = 0
        while let f = peek(), Lexer.isIdentifierContinue(f) {
            let bit: UInt8 = switch f {
            case UInt8(ascii: "i"): 1
            case UInt8(ascii: "m"): 2
            case UInt8(ascii: "s"): 4
            case UInt8(ascii: "x"): 8
            default: 0
            }
            if (bit == 0 || seen & bit != 0), issue == nil { issue = (.invalidRegexFlag, position, position + 1) }
            seen |= bit
            position += 1
        }
        if let (error, s, e) = issue { return self.error(error, from: start, literal: .regex, issueStart: s, issueEnd: e) }
        return token(.regex, from: start)
    }

    // MARK: - Numbers, durations, times, IPv4

    mutating func number(from start: Int) -> Token {
        while let b = peek(), LiteralParsing.isDigit(b) || b == UInt8(ascii: "_") { position += 1 }
        let next = peek() ?? 0
        let afterNext = peek(1) ?? 0
        if next == UInt8(ascii: ":"), LiteralParsing.isDigit(afterNext) { return time(from: start) }
        if next == UInt8(ascii: "."), LiteralParsing.isDigit(afterNext) { return ipv4(from: start) }
        if Lexer.isIdentifierContinue(next) {
            while let b = peek(), Lexer.isIdentifierContinue(b) { position += 1 }
            let valid = LiteralParsing.duration(bytes, start, position) != nil
            return valid ? token(.duration, from: start) : error(.invalidDuration, from: start, literal: .duration)
        }
        let valid = LiteralParsing.integer(bytes, start, position) != nil
        return valid ? token(.integer, from: start) : error(.invalidNumber, from: start, literal: .integer)
    }

    mutating func time(from start: Int) -> Token {
        for _ in 0..<2 {
            guard peek() == UInt8(ascii: ":"), let d = peek(1), LiteralParsing.isDigit(d) else { break }
            position += 1
            while let b = peek(), LiteralParsing.isDigit(b) { position += 1 }
        }
        let valid = LiteralParsing.timeOfDay(bytes, start, position) != nil
        return valid ? token(.timeOfDay, from: start) : error(.invalidTime, from: start, literal: .timeOfDay)
    }

    mutating func ipv4(from start: Int) -> Token {
        while let b = peek(), LiteralParsing.isDigit(b) || b == UInt8(ascii: "_")
                || (b == UInt8(ascii: ".") && peek(1) != UInt8(ascii: ".")) {
            position += 1
        }
        let addressEnd = position
        let valid = LiteralParsing.ipv4(bytes, start, addressEnd) != nil
        return prefixedAddress(from: start, addressEnd: addressEnd, valid: valid, kind: .ipv4, maxPrefix: 32)
    }

    /// Finishes an address token: an optional `/PREFIX` turns it into a network.
    mutating func prefixedAddress(from start: Int, addressEnd: Int, valid: Bool,
                                  kind: TokenKind, maxPrefix: Int) -> Token {
        guard peek() == UInt8(ascii: "/"), let d = peek(1), LiteralParsing.isDigit(d) else {
            return valid ? token(kind, from: start) : error(.invalidIPAddress, from: start, literal: kind)
        }
        position += 1
        var prefix = 0
        while let b = peek(), LiteralParsing.isDigit(b) {
            prefix = min(prefix * 10 + Int(b - 0x30), 1_000)
            position += 1
        }
        guard valid else { return error(.invalidIPAddress, from: start, literal: .cidr, issueEnd: addressEnd) }
        guard prefix <= maxPrefix else { return error(.invalidPrefix, from: start, literal: .cidr, issueStart: addressEnd) }
        return token(.cidr, from: start)
    }

    // MARK: - IPv6

    /// An IPv6 address (or network) at `start`, or nil with `position` untouched.
    ///
    /// A run with `::` or three or more colons cannot be a time or a name and a
    /// colon, so it is an address even when malformed (`1::2::3`, `fe80::1g`):
    /// one clear error rather than a scatter of tokens.
    mutating func ipv6(from start: Int) -> Token? {
        let (end, colons, compressed) = addressRun(from: start, allowingNameCharacters: false)
        guard colons >= 2 else { return nil }
        let followedByName = end < bytes.count && Lexer.isIdentifierContinue(bytes[end])
        if !followedByName, LiteralParsing.ipv6(bytes, start, end) != nil {
            position = end
            return prefixedAddress(from: start, addressEnd: end, valid: true, kind: .ipv6, maxPrefix: 128)
        }
        guard compressed || colons >= 3 else { return nil }
        position = addressRun(from: start, allowingNameCharacters: true).end
        return prefixedAddress(from: start, addressEnd: position, valid: false, kind: .ipv6, maxPrefix: 128)
    }

    /// The end of the run of hex digits (or all name characters), colons and
    /// single dots at `start`; how many colons it has; whether it has `::`.
    func addressRun(from start: Int, allowingNameCharacters: Bool) -> (end: Int, colons: Int, compressed: Bool) {
        var end = start
        var colons = 0
        var compressed = false
        while end < bytes.count {
            let b = bytes[end]
            if b == UInt8(ascii: ":") {
                colons += 1
                if end > start, bytes[end - 1] == UInt8(ascii: ":") { compressed = true }
            } else if b == UInt8(ascii: ".") {
                if end + 1 < bytes.count, bytes[end + 1] == UInt8(ascii: ".") { break }
            } else if allowingNameCharacters ? !Lexer.isIdentifierContinue(b) : LiteralParsing.hexValue(b) == nil {
                break
            }
            end += 1
        }
        return (end, colons, compressed)
    }
}
