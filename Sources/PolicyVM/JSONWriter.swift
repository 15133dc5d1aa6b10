/// Appends JSON text to a byte buffer. Strings are escaped per RFC 8259: `"`,
/// `\` and control characters; everything else (valid UTF-8) is copied as is.
struct JSONWriter {
    var bytes: [UInt8]

    init(_ bytes: [UInt8] = []) { self.bytes = bytes }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func string(_ text: String) {
        var text = text
        text.withUTF8 { JSONWriter.appendEscaped($0, to: &bytes) }
    }

    mutating func int(_ value: Int64) { JSONWriter.appendInt(value, to: &bytes) }

    mutating func stringArray(_ items: [String]) {
        bytes.append(UInt8(ascii: "["))
        for (i, item) in items.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            string(item)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// `{"policy":…,"code":…,"path":…,"message":…}`; absent members are left out.
    mutating func errorObject(policy: String?, code: String, path: String?, message: String) {
        raw("{")
        if let policy { raw("\"policy\":"); string(policy); raw(",") }
        raw("\"code\":"); string(code)
        if let path { raw(",\"path\":"); string(path) }
        raw(",\"message\":"); string(message)
        raw("}")
    }

    /// Quotes and escapes UTF-8 bytes into `out`.
    static func appendEscaped<Out: JSONBytes>(_ text: UnsafeBufferPointer<UInt8>, to out: inout Out) {
        out.append(UInt8(ascii: "\""))
        if needsNoEscape(text) {
            out.append(bytes: text)
        } else {
            appendEscapedBytes(text, to: &out)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// No `"`, `\` or control byte: the common string goes out in one copy.
    @inline(__always)
    private static func needsNoEscape(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = text.baseAddress else { return true }
        var i = StringScan.skipPlain(base, from: 0, to: text.count, stopAtNonASCII: false)
        while i < text.count {
            let byte = base[i]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return false }
            i += 1
        }
        return true
    }

    private static func appendEscapedBytes<Out: JSONBytes>(_ text: UnsafeBufferPointer<UInt8>, to out: inout Out) {
        for byte in text {
            switch byte {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(byte)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(byte)
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0..<0x20:
                let hex: StaticString = "0123456789abcdef"
                out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "u"))
                out.append(UInt8(ascii: "0")); out.append(UInt8(ascii: "0"))
                hex.withUTF8Buffer {
                    out.append($0[Int(byte >> 4)])
                    out.append($0[Int(byte & 0xF)])
                }
            default: out.append(byte)
            }
        }
    }

    static func appendInt<Out: JSONBytes>(_ value: Int64, to out: inout Out) {
        if value < 0 {
            out.append(UInt8(ascii: "-"))
            appendUnsigned(value.magnitude, to: &out)
        } else {
            appendUnsigned(UInt64(value), to: &out)
        }
    }

    private static func appendUnsigned<Out: JSONBytes>(_ value: UInt64, to out: inout Out) {
        // 20 digits cover UInt64; a tuple keeps the digits off the heap.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var count = 0
        var v = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                count += 1
            } while v > 0
            for i in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[i]) }
        }
    }
}
