/// Appends JSON text to a byte array (answers, log lines, stats).
///
/// Only cold paths (errors, health, stats) format strings; the evaluate path
/// appends the evaluator's bytes and raw ranges.
enum JSONOutput {
    static func append(_ text: StaticString, to out: inout [UInt8]) {
        text.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                        hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func appendInt<I: BinaryInteger>(_ value: I, to out: inout [UInt8]) {
        out.append(contentsOf: String(value).utf8)
    }

    static func appendDouble(_ value: Double, to out: inout [UInt8]) {
        guard value.isFinite else { return append("null", to: &out) }
        out.append(contentsOf: String(value).utf8)
    }

    /// `{"id":<id>,` — the opening every answer shares.
    static func appendOpening(id: UnsafeRawBufferPointer?, to out: inout [UInt8]) {
        append("{\"id\":", to: &out)
        if let id { out.append(contentsOf: id) } else { append("null", to: &out) }
        out.append(UInt8(ascii: ","))
    }

    /// A complete error answer line: `{"id":…,"error":{"code":…,"message":…}}\n`.
    static func appendError(id: UnsafeRawBufferPointer?, code: String, message: String, to out: inout [UInt8]) {
        appendOpening(id: id, to: &out)
        append("\"error\":{\"code\":", to: &out)
        appendString(code, to: &out)
        append(",\"message\":", to: &out)
        appendString(message, to: &out)
        append("}}\n", to: &out)
    }
}
