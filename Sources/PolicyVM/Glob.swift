/// A compiled `like` pattern: `*` matches any run of bytes (including none),
/// `\*` is a literal star; everything else matches itself, byte for byte.
struct Glob: Sendable, Equatable {
    /// The pattern as written, for the disassembler.
    let source: String
    /// Pattern tokens: a byte (0...255) or `star` (256).
    let tokens: [UInt16]
    static let star: UInt16 = 256

    init(_ pattern: String) {
        source = pattern
        var tokens: [UInt16] = []
        var bytes = Array(pattern.utf8)[...]
        while let byte = bytes.popFirst() {
            if byte == UInt8(ascii: "\\"), bytes.first == UInt8(ascii: "*") {
                bytes.removeFirst()
                tokens.append(UInt16(UInt8(ascii: "*")))
            } else if byte == UInt8(ascii: "*") {
                if tokens.last != Glob.star { tokens.append(Glob.star) }
            } else {
                tokens.append(UInt16(byte))
            }
        }
        self.tokens = tokens
    }

    /// Iterative wildcard matching: on a mismatch, backtrack to the last star
    /// and let it swallow one more byte. O(n·m) worst case, no allocation.
    func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        tokens.withUnsafeBufferPointer { Glob.matches($0, text) }
    }

    static func matches(_ pattern: UnsafeBufferPointer<UInt16>, _ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var t = 0, p = 0
        var starP = -1, starT = 0
        while t < text.count {
            if p < pattern.count, pattern[p] != Glob.star, pattern[p] == UInt16(text[t]) {
                t += 1; p += 1
            } else if p < pattern.count, pattern[p] == Glob.star {
                starP = p; starT = t; p += 1
            } else if starP >= 0 {
                p = starP + 1; starT += 1; t = starT
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == Glob.star { p += 1 }
        return p == pattern.count
    }
}
