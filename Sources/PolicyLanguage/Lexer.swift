/// Turns the UTF-8 bytes of a source file into tokens. It never throws and never
/// traps: anything it cannot read becomes an `.error` token carrying a
/// `LexicalIssue`, which the parser reports with the rest of its diagnostics.
///
/// The lexer is a single forward pass; every branch advances `position`, so the
/// work is linear in the input.
public struct Lexer {
    let bytes: [UInt8]
    var position: Int = 0

    public init(_ file: SourceFile) {
        self.bytes = file.bytes
    }

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Every token of `file`, ending with exactly one `.endOfFile`. With
    /// `keepTrivia`, whitespace and comments are included so the tokens tile the
    /// file exactly (a formatter's view); without it, the parser's view.
    public static func tokenize(_ file: SourceFile, keepTrivia: Bool = false) -> [Token] {
        var lexer = Lexer(file)
        var tokens: [Token] = []
        tokens.reserveCapacity(file.bytes.count / 4 + 1)
        while true {
            let token = lexer.next()
            if keepTrivia || !token.kind.isTrivia { tokens.append(token) }
            if token.kind == .endOfFile { return tokens }
        }
    }

    /// The next token, trivia included.
    public mutating func next() -> Token {
        guard position < bytes.count else {
            return Token(kind: .endOfFile, start: UInt32(position), end: UInt32(position))
        }
        let start = position
        let byte = bytes[position]
        if start == 0, bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            // A byte-order mark some editors write; trivia, like whitespace.
            position = 3
            return token(.whitespace, from: 0)
        }
        switch byte {
        case 0x20, 0x09, 0x0A, 0x0D: return whitespace(from: start)
        case UInt8(ascii: "#"): return comment(from: start)
        case UInt8(ascii: "\""): return string(from: start)
        case UInt8(ascii: "/"): return regex(from: start)
        case UInt8(ascii: ":"):
            if let token = ipv6(from: start) { return token }
            return single(.colon)
        case 0x30...0x39:
            if let token = ipv6(from: start) { return token }
            return number(from: start)
        case 0x61...0x7A, 0x41...0x5A, UInt8(ascii: "_"):
            if LiteralParsing.hexValue(byte) != nil, let token = ipv6(from: start) { return token }
            return identifierOrKeyword(from: start)
        default:
            return punctuation(byte, from: start)
        }
    }

    // MARK: - Small helpers

    func peek(_ offset: Int = 0) -> UInt8? {
        let i = position + offset
        return i < bytes.count ? bytes[i] : nil
    }

    func token(_ kind: TokenKind, from start: Int) -> Token {
        Token(kind: kind, start: UInt32(start), end: UInt32(position))
    }

    func error(_ error: LexicalError, from start: Int, literal: TokenKind?,
               issueStart: Int? = nil, issueEnd: Int? = nil) -> Token {
        let issue = LexicalIssue(error: error, start: UInt32(issueStart ?? start),
                                 end: UInt32(issueEnd ?? position), literal: literal)
        return Token(kind: .error, start: UInt32(start), end: UInt32(position), issue: issue)
    }

    mutating func single(_ kind: TokenKind) -> Token {
        position += 1
        return token(kind, from: position - 1)
    }

    static func isIdentifierContinue(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x5F
    }

    // MARK: - Trivia

    mutating func whitespace(from start: Int) -> Token {
        while let b = peek(), b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { position += 1 }
        return token(.whitespace, from: start)
    }

    mutating func comment(from start: Int) -> Token {
        var badByte: Int? = nil
        while let b = peek(), b != 0x0A {
            if b < 0x80 { position += 1; continue }
            if let length = UTF8Validation.sequenceLength(bytes, position) {
                position += length
            } else {
                if badByte == nil { badByte = position }
                position += 1
            }
        }
        if let bad = badByte { return error(.invalidUTF8, from: start, literal: nil, issueStart: bad, issueEnd: bad + 1) }
        return token(.comment, from: start)
    }

    // MARK: - Names

    mutating func identifierOrKeyword(from start: Int) -> Token {
        while let b = peek(), Lexer.isIdentifierContinue(b) { position += 1 }
        let kind = Keywords.lookup(bytes, start, position) ?? .identifier
        return token(kind, from: start)
    }

    // MARK: - Punctuation and junk

    mutating func punctuation(_ byte: UInt8, from start: Int) -> Token {
        let next = peek(1)
        switch byte {
        case UInt8(ascii: "("): return single(.leftParen)
        case UInt8(ascii: ")"): return single(.rightParen)
        case UInt8(ascii: "["): return single(.leftBracket)
        case UInt8(ascii: "]"): return single(.rightBracket)
        case UInt8(ascii: "{"): return single(.leftBrace)
        case UInt8(ascii: "}"): return single(.rightBrace)
        case UInt8(ascii: ","): return single(.comma)
        case UInt8(ascii: "-"): return single(.minus)
        case UInt8(ascii: "."):
            return next == UInt8(ascii: ".") ? pair(.dotDot) : single(.dot)
        case UInt8(ascii: "="):
            return next == UInt8(ascii: "=") ? pair(.equalEqual) : single(.equal)
        case UInt8(ascii: "!"):
            return next == UInt8(ascii: "=") ? pair(.bangEqual) : junk(from: start)
        case UInt8(ascii: "'"):
            return singleQuoted(from: start)
        case UInt8(ascii: "<"):
            return next == UInt8(ascii: "=") ? pair(.lessEqual) : single(.less)
        case UInt8(ascii: ">"):
            return next == UInt8(ascii: "=") ? pair(.greaterEqual) : single(.greater)
        default:
            return junk(from: start)
        }
    }

    /// `'text'`: a string in the wrong quotes. One error token standing for a
    /// string (reported once, at the quote), so the parser does not also trip
    /// over the words inside.
    mutating func singleQuoted(from start: Int) -> Token {
        position += 1
        while let b = peek(), b != 0x0A {
            position += 1
            if b == UInt8(ascii: "'") { break }
        }
        let issue = LexicalIssue(error: .unknownCharacter, start: UInt32(start), end: UInt32(start + 1),
                                 literal: .string)
        return Token(kind: .error, start: UInt32(start), end: UInt32(position), issue: issue)
    }

    mutating func pair(_ kind: TokenKind) -> Token {
        position += 2
        return token(kind, from: position - 2)
    }

    /// A run of bytes no token starts with. Consecutive junk of one kind (invalid
    /// UTF-8, or unknown characters) becomes one token, so a binary file yields a
    /// handful of diagnostics rather than one per byte.
    mutating func junk(from start: Int) -> Token {
        let invalid = junkLength(at: position) == nil
        while position < bytes.count {
            let length = junkLength(at: position)
            guard (length == nil) == invalid, !startsToken(at: position) else { break }
            position += length ?? 1
        }
        if position == start { position += 1 }
        return error(invalid ? .invalidUTF8 : .unknownCharacter, from: start, literal: nil)
    }

    /// The length of the character at `index`, or nil if it is invalid UTF-8.
    func junkLength(at index: Int) -> Int? {
        bytes[index] < 0x80 ? 1 : UTF8Validation.sequenceLength(bytes, index)
    }

    /// Whether a real token (or trivia) can start at `index`; junk runs stop there.
    func startsToken(at index: Int) -> Bool {
        let b = bytes[index]
        guard b < 0x80 else { return false }
        switch b {
        case UInt8(ascii: "!"):
            return index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "=")
        case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: "#"), UInt8(ascii: "\""), UInt8(ascii: "/"), UInt8(ascii: "'"),
             UInt8(ascii: ":"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["),
             UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: ","),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "="), UInt8(ascii: "<"),
             UInt8(ascii: ">"):
            return true
        default:
            return Lexer.isIdentifierContinue(b)
        }
    }
}

/// UTF-8 well-formedness per the Unicode standard (table 3-7): no overlongs, no
/// surrogates, nothing above U+10FFFF.
enum UTF8Validation {
    /// The length of the well-formed sequence starting at `i`, or nil.
    static func sequenceLength(_ bytes: [UInt8], _ i: Int) -> Int? {
        let b0 = bytes[i]
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch b0 {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return nil
        }
        guard i + length <= bytes.count else { return nil }
        guard bytes[i + 1] >= low, bytes[i + 1] <= high else { return nil }
        for k in 2..<max(2, length) where bytes[i + k] & 0xC0 != 0x80 { return nil }
        return length
    }
}
