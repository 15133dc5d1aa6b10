import Foundation

/// Small helpers for the JSON this module writes by hand (JWKs, answers):
/// sorted keys, so output is stable and diffable.
enum JSON {
    static func string(_ object: [String: String]) -> String {
        encode(object)
    }

    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}
