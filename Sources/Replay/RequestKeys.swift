import Foundation

/// The request fields the report breaks changes down by. Read only for
/// changed requests, so this cold path may allocate.
struct RequestKeys {
    /// The breakdown key for a request without the field (no blueprint, say).
    static let absent = "(none)"

    var subject: String?
    var blueprint: String?
    var audience: String?

    init(_ p: UnsafeRawBufferPointer) {
        forEachMember(p, ByteSpan(start: 0, end: p.count)) { key, value in
            if Self.isKey(p, key, "audience") {
                audience = Self.string(p, value)
            } else if Self.isKey(p, key, "subject") {
                forEachMember(p, value) { key, value in
                    if Self.isKey(p, key, "id") { subject = Self.string(p, value) }
                    else if Self.isKey(p, key, "blueprint") { blueprint = Self.string(p, value) }
                }
            }
        }
    }

    private static func isKey(_ p: UnsafeRawBufferPointer, _ key: ByteSpan, _ name: String) -> Bool {
        key.count == name.utf8.count && name.utf8.elementsEqual(p[key.start..<key.end])
    }

    /// The contents of a JSON string value, escapes resolved; nil when not a string.
    static func string(_ p: UnsafeRawBufferPointer, _ value: ByteSpan) -> String? {
        guard value.count >= 2, p[value.start] == UInt8(ascii: "\"") else { return nil }
        let inner = UnsafeRawBufferPointer(rebasing: p[(value.start + 1)..<(value.end - 1)])
        guard inner.contains(UInt8(ascii: "\\")) else { return String(decoding: inner, as: UTF8.self) }
        let quoted = Data(p[value.start..<value.end])
        return (try? JSONDecoder().decode(String.self, from: quoted))
    }
}

/// Calls `body` with the key (without quotes) and value spans of each member
/// of the object at `span`; stops quietly at the first malformed byte.
func forEachMember(_ p: UnsafeRawBufferPointer, _ span: ByteSpan, _ body: (ByteSpan, ByteSpan) -> Void) {
    guard span.count >= 2 else { return }
    let object = UnsafeRawBufferPointer(rebasing: p[span.start..<span.end])
    var i = 0
    JSONScanner.skipSpace(object, &i)
    guard i < object.count, object[i] == UInt8(ascii: "{") else { return }
    i += 1
    while true {
        JSONScanner.skipSpace(object, &i)
        guard i < object.count, object[i] == UInt8(ascii: "\"") else { return }
        let keyStart = i + 1
        guard JSONScanner.skipString(object, &i) else { return }
        let key = ByteSpan(start: span.start + keyStart, end: span.start + i - 1)
        JSONScanner.skipSpace(object, &i)
        guard i < object.count, object[i] == UInt8(ascii: ":") else { return }
        i += 1
        JSONScanner.skipSpace(object, &i)
        let valueStart = i
        guard JSONScanner.skipValue(object, &i) == nil else { return }
        body(key, ByteSpan(start: span.start + valueStart, end: span.start + i))
        JSONScanner.skipSpace(object, &i)
        guard i < object.count, object[i] == UInt8(ascii: ",") else { return }
        i += 1
    }
}
