// A tiny ordered JSON model and writer: the documented lint schemas fix field
// order, which `JSONEncoder` does not preserve.

/// A JSON value whose object members keep the order they were built in.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.int(let x), .int(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    /// `nil` becomes `null`.
    static func optional(_ string: String?) -> JSONValue { string.map { .string($0) } ?? .null }

    /// Pretty-printed with two-space indentation and a final newline.
    public func serialized() -> String {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        write(into: &out, indent: 0)
        out.append(UInt8(ascii: "\n"))
        return String(decoding: out, as: UTF8.self)
    }

    private func write(into out: inout [UInt8], indent: Int) {
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .int(let i): out += Array(String(i).utf8)
        case .string(let s): JSONValue.escape(s, into: &out)
        case .array(let items):
            guard !items.isEmpty else { out += Array("[]".utf8); return }
            out += Array("[\n".utf8)
            for (index, item) in items.enumerated() {
                Self.pad(&out, indent + 2)
                item.write(into: &out, indent: indent + 2)
                out += Array((index + 1 < items.count ? ",\n" : "\n").utf8)
            }
            Self.pad(&out, indent)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            guard !members.isEmpty else { out += Array("{}".utf8); return }
            out += Array("{\n".utf8)
            for (index, (key, value)) in members.enumerated() {
                Self.pad(&out, indent + 2)
                JSONValue.escape(key, into: &out)
                out += Array(": ".utf8)
                value.write(into: &out, indent: indent + 2)
                out += Array((index + 1 < members.count ? ",\n" : "\n").utf8)
            }
            Self.pad(&out, indent)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func pad(_ out: inout [UInt8], _ count: Int) {
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: count))
    }

    /// Escapes on UTF-8 bytes: quotes, backslashes and control characters; all
    /// other bytes (including multi-byte scalars) are copied as they are.
    static func escape(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20, 0x7F:
                let hex = Array("0123456789abcdef".utf8)
                out += Array("\\u00".utf8)
                out += [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
