/// Why a line is not valid JSON (the message of a `bad_request` answer).
public struct JSONSyntaxError: Error, Equatable, Sendable {
    public var message: String
    public var offset: Int
}

/// A strict, allocation-free RFC 8259 validator over raw bytes.
///
/// The envelope scanner runs it over every line so that only well-formed JSON
/// (valid UTF-8 included) reaches the evaluator and the decision log: the log
/// copies the request bytes verbatim and must stay parseable.
struct JSONValidator {
    static let maximumDepth = 64

    let bytes: UnsafeRawBufferPointer
    var index: Int

    init(_ bytes: UnsafeRawBufferPointer, at index: Int = 0) {
        self.bytes = bytes
        self.index = index
    }

    var atEnd: Bool { self.index >= self.bytes.count }
    var current: UInt8 { self.bytes[self.index] }

    mutating func skipWhitespace() {
        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case 0x20, 0x09, 0x0A, 0x0D: self.index += 1
            default: return
            }
        }
    }

    func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(message: message, offset: self.index)
    }

    /// Validates one value starting at the current byte and moves past it.
    mutating func skipValue(depth: Int = 0) throws(JSONSyntaxError) {
        self.skipWhitespace()
        guard !self.atEnd else { throw self.error("unexpected end of line, expected a value") }
        switch self.current {
        case UInt8(ascii: "{"): try self.skipObject(depth: depth + 1)
        case UInt8(ascii: "["): try self.skipArray(depth: depth + 1)
        case UInt8(ascii: "\""): try self.skipString()
        case UInt8(ascii: "t"): try self.skipLiteral("true")
        case UInt8(ascii: "f"): try self.skipLiteral("false")
        case UInt8(ascii: "n"): try self.skipLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try self.skipNumber()
        default: throw self.error("unexpected byte, expected a value")
        }
    }

    private mutating func skipObject(depth: Int) throws(JSONSyntaxError) {
        guard depth <= Self.maximumDepth else { throw self.error("nesting deeper than \(Self.maximumDepth) levels") }
        self.index += 1
        self.skipWhitespace()
        if !self.atEnd, self.current == UInt8(ascii: "}") {
            self.index += 1
            return
        }
        while true {
            self.skipWhitespace()
            guard !self.atEnd, self.current == UInt8(ascii: "\"") else { throw self.error("expected a string key") }
            try self.skipString()
            try self.expect(UInt8(ascii: ":"), "expected `:` after a key")
            try self.skipValue(depth: depth)
            if try self.endOfMembers(closer: UInt8(ascii: "}")) { return }
        }
    }

    private mutating func skipArray(depth: Int) throws(JSONSyntaxError) {
        guard depth <= Self.maximumDepth else { throw self.error("nesting deeper than \(Self.maximumDepth) levels") }
        self.index += 1
        self.skipWhitespace()
        if !self.atEnd, self.current == UInt8(ascii: "]") {
            self.index += 1
            return
        }
        while true {
            try self.skipValue(depth: depth)
            if try self.endOfMembers(closer: UInt8(ascii: "]")) { return }
        }
    }

    /// After a member: true at the closer, false after a comma.
    mutating func endOfMembers(closer: UInt8) throws(JSONSyntaxError) -> Bool {
        self.skipWhitespace()
        guard !self.atEnd else { throw self.error("unexpected end of line inside a container") }
        if self.current == UInt8(ascii: ",") {
            self.index += 1
            return false
        }
        if self.current == closer {
            self.index += 1
            return true
        }
        throw self.error("expected `,` or a closing bracket")
    }

    // StaticString, not String: this runs for every key of every line, and a
    // String argument costs a retain/release pair even when nothing is thrown.
    mutating func expect(_ byte: UInt8, _ message: StaticString) throws(JSONSyntaxError) {
        self.skipWhitespace()
        guard !self.atEnd, self.current == byte else { throw self.error("\(message)") }
        self.index += 1
    }

    private mutating func skipLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let count = literal.utf8CodeUnitCount
        guard self.index + count <= self.bytes.count else { throw self.error("invalid literal") }
        let base = literal.utf8Start
        for offset in 0..<count where self.bytes[self.index + offset] != base[offset] {
            throw self.error("invalid literal")
        }
        self.index += count
    }

    private mutating func skipDigits() -> Int {
        let start = self.index
        while !self.atEnd, self.current >= UInt8(ascii: "0"), self.current <= UInt8(ascii: "9") { self.index += 1 }
        return self.index - start
    }

    private mutating func skipNumber() throws(JSONSyntaxError) {
        if self.current == UInt8(ascii: "-") { self.index += 1 }
        guard !self.atEnd else { throw self.error("invalid number") }
        if self.current == UInt8(ascii: "0") {
            self.index += 1
        } else if self.skipDigits() == 0 {
            throw self.error("invalid number")
        }
        if !self.atEnd, self.current == UInt8(ascii: ".") {
            self.index += 1
            guard self.skipDigits() > 0 else { throw self.error("invalid number") }
        }
        if !self.atEnd, self.current == UInt8(ascii: "e") || self.current == UInt8(ascii: "E") {
            self.index += 1
            if !self.atEnd, self.current == UInt8(ascii: "+") || self.current == UInt8(ascii: "-") { self.index += 1 }
            guard self.skipDigits() > 0 else { throw self.error("invalid number") }
        }
    }

    /// Validates a string (escapes, control bytes, UTF-8); true when it had escapes.
    @discardableResult
    mutating func skipString() throws(JSONSyntaxError) -> Bool {
        self.index += 1
        var escaped = false
        while self.index < self.bytes.count {
            // Most string bytes are plain ASCII: skip runs of them in a tight loop.
            var plain = self.index
            let end = self.bytes.count
            let base = self.bytes.baseAddress!
            while plain < end {
                let byte = base.load(fromByteOffset: plain, as: UInt8.self)
                guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") else { break }
                plain += 1
            }
            self.index = plain
            guard plain < end else { break }
            let byte = self.bytes[self.index]
            switch byte {
            case UInt8(ascii: "\""):
                self.index += 1
                return escaped
            case UInt8(ascii: "\\"):
                escaped = true
                try self.skipEscape()
            case 0x00..<0x20:
                throw self.error("control character in a string")
            case 0x80...:
                try self.skipUTF8Sequence(lead: byte)
            default:
                self.index += 1
            }
        }
        throw self.error("unterminated string")
    }

    private mutating func skipEscape() throws(JSONSyntaxError) {
        self.index += 1
        guard !self.atEnd else { throw self.error("unterminated string") }
        switch self.current {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
             UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            self.index += 1
        case UInt8(ascii: "u"):
            guard self.index + 4 < self.bytes.count else { throw self.error("invalid `\\u` escape") }
            for offset in 1...4 where !Self.isHexDigit(self.bytes[self.index + offset]) {
                throw self.error("invalid `\\u` escape")
            }
            self.index += 5
        default:
            throw self.error("invalid escape in a string")
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
             UInt8(ascii: "A")...UInt8(ascii: "F"): true
        default: false
        }
    }

    /// Checks one multi-byte UTF-8 sequence: no overlongs, surrogates or values past U+10FFFF.
    private mutating func skipUTF8Sequence(lead: UInt8) throws(JSONSyntaxError) {
        let length: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: throw self.error("invalid UTF-8")
        }
        guard self.index + length <= self.bytes.count else { throw self.error("invalid UTF-8") }
        let second = self.bytes[self.index + 1]
        guard second >= lower, second <= upper else { throw self.error("invalid UTF-8") }
        for offset in 2..<max(length, 2) where self.bytes[self.index + offset] & 0xC0 != 0x80 {
            throw self.error("invalid UTF-8")
        }
        self.index += length
    }
}
