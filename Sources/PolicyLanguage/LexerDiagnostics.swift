/// Builds the diagnostic for an error token. Kept apart from the lexer so the
/// lexer stays a byte scanner and the prose lives in one place.
enum LexicalDiagnostics {
    static func diagnostic(for token: Token, in file: SourceFile) -> Diagnostic {
        let issue = token.issue ?? LexicalIssue(error: .unknownCharacter, start: token.start, end: token.end, literal: nil)
        let issueSpan = Span(file: file.id, start: issue.start, end: issue.end)
        let tokenSpan = token.span(in: file.id)
        let tokenText = quoted(file.text(of: tokenSpan))
        let issueText = quoted(file.text(of: issueSpan))
        let code = issue.error.code
        switch issue.error {
        case .invalidUTF8:
            let byte = Int(issue.start) < file.bytes.count ? file.bytes[Int(issue.start)] : 0
            return Diagnostic(code, "invalid UTF-8 byte `0x\(hex(byte))`", at: issueSpan,
                              help: "policy files must be saved as UTF-8")
        case .unknownCharacter:
            return Diagnostic(code, "unknown character \(issueText)", at: issueSpan,
                              help: unknownCharacterHelp(file.text(of: issueSpan)))
        case .unterminatedString:
            return Diagnostic(code, "unterminated string", at: issueSpan,
                              help: "add a closing `\"` before the end of the line")
        case .invalidEscape:
            return Diagnostic(code, "invalid escape \(issueText) in a string", at: issueSpan,
                              help: "the escapes are `\\\"`, `\\\\`, `\\n`, `\\t`, `\\r` and `\\u{…}` with 1 to 6 hex digits")
        case .unterminatedRegex:
            return Diagnostic(code, "unterminated regex", at: issueSpan,
                              help: "add a closing `/` before the end of the line; write `\\/` for a slash in the pattern")
        case .invalidRegexFlag:
            return regexFlag(issue, issueSpan, in: file)
        case .invalidNumber:
            return Diagnostic(code, "invalid integer \(tokenText)", at: tokenSpan,
                              help: "an integer is decimal digits with single `_` between digits, at most 9223372036854775807")
        case .invalidDuration:
            return Diagnostic(code, "invalid duration \(tokenText)", at: tokenSpan,
                              help: "a duration is `<integer><unit>` parts with units `d`, `h`, `m`, `s`, largest first, e.g. `1h30m`")
        case .invalidTime:
            return Diagnostic(code, "invalid time of day \(tokenText)", at: tokenSpan,
                              help: "write `HH:MM` or `HH:MM:SS` from `00:00` to `24:00`")
        case .invalidIPAddress:
            let help = file.text(of: issueSpan).contains(":")
                ? "an IPv6 address is up to eight groups of 1 to 4 hex digits separated by `:`, with at most one `::`, e.g. `2001:db8::1`"
                : "an IPv4 address is four numbers from 0 to 255 without leading zeros, e.g. `10.0.0.1`"
            return Diagnostic(code, "invalid IP address \(issueText)", at: issueSpan, help: help)
        case .invalidPrefix:
            let v6 = file.text(of: tokenSpan).contains(":")
            return Diagnostic(code, "prefix length \(issueText) is out of range for an \(v6 ? "IPv6" : "IPv4") network",
                              at: issueSpan, help: v6 ? "IPv6 prefixes are 0 to 128" : "IPv4 prefixes are 0 to 32")
        }
    }

    static func regexFlag(_ issue: LexicalIssue, _ span: Span, in file: SourceFile) -> Diagnostic {
        let flag = file.text(of: span)
        let known = "imsx".contains(flag)
        let message = known ? "repeated regex flag \(quoted(flag))" : "unknown regex flag \(quoted(flag))"
        return Diagnostic(.invalidRegexFlag, message, at: span,
                          help: "regex flags are `i`, `m`, `s` and `x`, each at most once")
    }

    static func unknownCharacterHelp(_ text: String) -> String? {
        switch text {
        case "!": "use `not` to negate, or `!=` to compare"
        case "&", "&&": "use `and`"
        case "|", "||": "use `or`"
        case "'": "strings use double quotes: `\"…\"`"
        case ";": "no separator is needed between clauses"
        default: nil
        }
    }

    /// User text for a message: in backticks, on one line, at most 40 characters.
    static func quoted(_ text: String) -> String {
        var shown = ""
        var count = 0
        for character in text {
            if count == 40 { shown += "…"; break }
            shown.append(character == "\n" || character == "\r\n" ? " " : character)
            count += 1
        }
        // A backtick inside would end the code span early; double the fence instead.
        return shown.contains("`") ? "`` \(shown) ``" : "`\(shown)`"
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
