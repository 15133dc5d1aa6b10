import Foundation
import PolicyLanguage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a request document does not decode into a `Request`, naming the JSON path.
public struct RequestJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Dotted JSON path of the offending value (`location.ip`, `subject.groups[3]`);
    /// empty for the document itself.
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "`\(path)`: \(message)" }
}

/// Limits of the request contract, shared with the hot-path decoder's documentation.
public enum RequestLimits {
    public static let maxSetElements = 256
    public static let maxStringBytes = 4096
    public static let maxNesting = 32
}

// The readable, slow path between `Request` and its JSON contract form. The VM's
// decoder is hand-written for speed; this one leans on Foundation so that the
// oracle, the generators and token issuance have an obviously correct model.
extension Request {
    /// The top-level fields of the request contract, in the order `json()` writes them.
    public static let knownFields: [String] =
        ["subject", "audience", "scopes", "location", "time", "risk", "on_behalf_of", "context"]

    /// Decodes the JSON contract form. `now` (seconds since the epoch) stands in
    /// for an absent `time`; without it the wall clock is used.
    public init(json: Data, now: Int64? = nil) throws(RequestJSONError) {
        self = try Self.decode(json: json, now: now).request
    }

    /// Decodes the JSON contract form and also names the top-level fields the
    /// contract does not know (warnings, not errors), sorted.
    public static func decode(json: Data, now: Int64? = nil) throws(RequestJSONError)
        -> (request: Request, unknownFields: [String]) {
        let root = try RequestJSONReader.parse(json)
        let reader = RequestJSONReader()
        let object = try reader.object(root, at: "")
        let request = try reader.request(object, now: now ?? Int64(Date().timeIntervalSince1970))
        return (request, object.keys.filter { !knownFields.contains($0) }.sorted())
    }

    /// Top-level fields that the contract does not know, sorted; empty when the
    /// document is not an object.
    public static func unknownFields(json: Data) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed])
                as? [String: Any] else { return [] }
        return object.keys.filter { !knownFields.contains($0) }.sorted()
    }

    /// The contract form: fields in a fixed order, `time` as RFC 3339 with `Z`,
    /// IPs in canonical text, optional fields omitted when absent.
    public func json() -> String {
        var out = "{\"subject\":" + subjectJSON()
        out += ",\"audience\":" + RequestJSONText.string(audience)
        out += ",\"scopes\":" + RequestJSONText.strings(scopes)
        out += ",\"location\":{\"ip\":" + RequestJSONText.string(RequestJSONIP.format(ip))
        if let country { out += ",\"country\":" + RequestJSONText.string(country) }
        out += "},\"time\":" + RequestJSONText.string(RequestJSONTime.format(time))
        out += ",\"risk\":{\"level\":" + RequestJSONText.string(riskLevel.name)
        out += ",\"score\":\(riskScore),\"signals\":" + RequestJSONText.strings(riskSignals) + "}"
        if !onBehalfOf.isEmpty {
            out += ",\"on_behalf_of\":["
            out += onBehalfOf.map { "{\"id\":" + RequestJSONText.string($0.id) + ",\"kind\":\"\($0.kind.name)\"}" }
                .joined(separator: ",")
            out += "]"
        }
        if !context.isEmpty { out += ",\"context\":" + RequestJSONText.dynamicMap(context) }
        return out + "}"
    }

    private func subjectJSON() -> String {
        var out = "{\"id\":" + RequestJSONText.string(subject.id) + ",\"kind\":\"\(subject.kind.name)\""
        if let blueprint = subject.blueprint { out += ",\"blueprint\":" + RequestJSONText.string(blueprint) }
        if let sponsor = subject.sponsor { out += ",\"sponsor\":" + RequestJSONText.string(sponsor) }
        out += ",\"groups\":" + RequestJSONText.strings(subject.groups)
        out += ",\"risk\":\"\(subject.risk.name)\""
        if let created = subject.created { out += ",\"created\":" + RequestJSONText.string(RequestJSONTime.format(created)) }
        if !subject.attributes.isEmpty { out += ",\"attributes\":" + RequestJSONText.dynamicMap(subject.attributes) }
        return out + "}"
    }
}

/// Writes JSON text by hand so the output is byte-for-byte predictable
/// (also used by replay's JSON report, so both quote strings identically).
public enum RequestJSONText {
    public static func string(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func strings(_ values: [String]) -> String {
        "[" + values.map(string).joined(separator: ",") + "]"
    }

    /// Keys sorted so the text does not depend on dictionary order.
    static func dynamicMap(_ map: [String: DynamicValue]) -> String {
        let members = map.keys.sorted().map { key -> String in
            let value: String
            switch map[key]! {
            case .string(let s): value = string(s)
            case .int(let i): value = String(i)
            case .bool(let b): value = b ? "true" : "false"
            case .stringSet(let set): value = strings(set)
            }
            return string(key) + ":" + value
        }
        return "{" + members.joined(separator: ",") + "}"
    }
}

/// Walks a `JSONSerialization` tree into a `Request`, checking the contract and
/// naming the JSON path of the first problem.
struct RequestJSONReader {
    static func parse(_ data: Data) throws(RequestJSONError) -> Any {
        guard String(data: data, encoding: .utf8) != nil else {
            throw RequestJSONError(path: "", message: "the request is not valid UTF-8")
        }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw RequestJSONError(path: "", message: "the request is not valid JSON")
        }
        if depth(root) > RequestLimits.maxNesting {
            throw RequestJSONError(path: "", message: "the request nests deeper than \(RequestLimits.maxNesting) levels")
        }
        return root
    }

    private static func depth(_ value: Any) -> Int {
        if let object = value as? [String: Any] { return 1 + (object.values.map(depth).max() ?? 0) }
        if let array = value as? [Any] { return 1 + (array.map(depth).max() ?? 0) }
        return 0
    }

    func request(_ root: [String: Any], now: Int64) throws(RequestJSONError) -> Request {
        let subjectObject = try object(required(root, "subject", at: ""), at: "subject")
        let location = try object(required(root, "location", at: ""), at: "location")
        let risk = try root["risk"].map { v throws(RequestJSONError) in try object(v, at: "risk") } ?? [:]
        let scoreValue = try risk["score"].map { v throws(RequestJSONError) in try int(v, at: "risk.score") } ?? 0
        guard (0...100).contains(scoreValue) else {
            throw RequestJSONError(path: "risk.score", message: "a risk score is between 0 and 100")
        }
        return Request(
            subject: try subject(subjectObject),
            audience: try string(required(root, "audience", at: ""), at: "audience"),
            scopes: try optionalSet(root["scopes"], at: "scopes"),
            ip: try ip(required(location, "ip", at: "location"), at: "location.ip"),
            country: try optionalString(location["country"], at: "location.country"),
            time: try root["time"].map { v throws(RequestJSONError) in try timestamp(v, at: "time") } ?? now,
            riskLevel: try risk["level"].map { v throws(RequestJSONError) in try riskLevel(v, at: "risk.level") } ?? .none,
            riskScore: scoreValue,
            riskSignals: try optionalSet(risk["signals"], at: "risk.signals"),
            onBehalfOf: try actors(root["on_behalf_of"]),
            context: try dynamicMap(root["context"], at: "context"))
    }

    private func subject(_ s: [String: Any]) throws(RequestJSONError) -> Request.Subject {
        Request.Subject(
            id: try string(required(s, "id", at: "subject"), at: "subject.id"),
            kind: try kind(required(s, "kind", at: "subject"), at: "subject.kind"),
            blueprint: try optionalString(s["blueprint"], at: "subject.blueprint"),
            sponsor: try optionalString(s["sponsor"], at: "subject.sponsor"),
            groups: try optionalSet(s["groups"], at: "subject.groups"),
            risk: try s["risk"].map { v throws(RequestJSONError) in try riskLevel(v, at: "subject.risk") } ?? .none,
            created: try s["created"].map { v throws(RequestJSONError) in try timestamp(v, at: "subject.created") },
            attributes: try dynamicMap(s["attributes"], at: "subject.attributes"))
    }

    private func actors(_ value: Any?) throws(RequestJSONError) -> [Request.Actor] {
        guard let value else { return [] }
        guard let array = value as? [Any] else {
            throw RequestJSONError(path: "on_behalf_of", message: "expected an array of {id, kind}")
        }
        guard array.count <= RequestLimits.maxSetElements else {
            throw RequestJSONError(path: "on_behalf_of", message: "more than \(RequestLimits.maxSetElements) elements")
        }
        var actors: [Request.Actor] = []
        for (index, element) in array.enumerated() {
            let path = "on_behalf_of[\(index)]"
            let actor = try object(element, at: path)
            actors.append(Request.Actor(id: try string(required(actor, "id", at: path), at: path + ".id"),
                                        kind: try kind(required(actor, "kind", at: path), at: path + ".kind")))
        }
        return actors
    }

    private func dynamicMap(_ value: Any?, at path: String) throws(RequestJSONError) -> [String: DynamicValue] {
        guard let value else { return [:] }
        var map: [String: DynamicValue] = [:]
        for (key, member) in try object(value, at: path) {
            let memberPath = path + "." + key
            if let flag = Self.bool(member) {
                map[key] = .bool(flag)
            } else if member is [Any] {
                map[key] = .stringSet(try set(member, at: memberPath))
            } else if member is String {
                map[key] = .string(try string(member, at: memberPath))
            } else if Self.number(member) != nil {
                map[key] = .int(try int(member, at: memberPath))
            } else {
                throw RequestJSONError(path: memberPath, message: "expected a string, integer, boolean or array of strings")
            }
        }
        return map
    }

    // MARK: scalars

    func object(_ value: Any, at path: String) throws(RequestJSONError) -> [String: Any] {
        guard let object = value as? [String: Any] else {
            throw RequestJSONError(path: path, message: "expected an object")
        }
        return object
    }

    private func required(_ object: [String: Any], _ key: String, at path: String) throws(RequestJSONError) -> Any {
        guard let value = object[key], !(value is NSNull) else {
            throw RequestJSONError(path: path.isEmpty ? key : path + "." + key, message: "missing required field")
        }
        return value
    }

    private func string(_ value: Any, at path: String) throws(RequestJSONError) -> String {
        guard let s = value as? String, Self.bool(value) == nil else {
            throw RequestJSONError(path: path, message: "expected a string")
        }
        guard s.utf8.count <= RequestLimits.maxStringBytes else {
            throw RequestJSONError(path: path, message: "a string is longer than \(RequestLimits.maxStringBytes) bytes")
        }
        return s
    }

    private func optionalString(_ value: Any?, at path: String) throws(RequestJSONError) -> String? {
        try value.map { v throws(RequestJSONError) in try string(v, at: path) }
    }

    /// Duplicates are dropped: set-valued signals keep first-occurrence order.
    private func set(_ value: Any, at path: String) throws(RequestJSONError) -> [String] {
        guard let array = value as? [Any] else { throw RequestJSONError(path: path, message: "expected an array of strings") }
        guard array.count <= RequestLimits.maxSetElements else {
            throw RequestJSONError(path: path, message: "more than \(RequestLimits.maxSetElements) elements")
        }
        var out: [String] = []
        for (index, element) in array.enumerated() {
            let s = try string(element, at: "\(path)[\(index)]")
            // Byte equality, as the VM compares: Swift's `==` would merge canonically equivalent strings.
            if !out.contains(where: { $0.utf8.elementsEqual(s.utf8) }) { out.append(s) }
        }
        return out
    }

    private func optionalSet(_ value: Any?, at path: String) throws(RequestJSONError) -> [String] {
        try value.map { v throws(RequestJSONError) in try set(v, at: path) } ?? []
    }

    private func int(_ value: Any, at path: String) throws(RequestJSONError) -> Int64 {
        guard Self.bool(value) == nil, let number = Self.number(value) else {
            throw RequestJSONError(path: path, message: "expected an integer")
        }
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 9.2e18 else {
            throw RequestJSONError(path: path, message: "expected an integer")
        }
        return number.int64Value
    }

    private func kind(_ value: Any, at path: String) throws(RequestJSONError) -> SubjectKind {
        let name = try string(value, at: path)
        guard let kind = SubjectKind.allCases.first(where: { $0.name == name }) else {
            throw RequestJSONError(path: path, message: "expected one of `agent`, `user`, `workload`, `service`")
        }
        return kind
    }

    private func riskLevel(_ value: Any, at path: String) throws(RequestJSONError) -> RiskLevel {
        let name = try string(value, at: path)
        guard let level = RiskLevel.allCases.first(where: { $0.name == name }) else {
            throw RequestJSONError(path: path, message: "expected one of `none`, `low`, `medium`, `high`")
        }
        return level
    }

    private func timestamp(_ value: Any, at path: String) throws(RequestJSONError) -> Int64 {
        guard let seconds = RequestJSONTime.parse(try string(value, at: path)) else {
            throw RequestJSONError(path: path, message: "expected an RFC 3339 timestamp")
        }
        return seconds
    }

    private func ip(_ value: Any, at path: String) throws(RequestJSONError) -> IPAddress {
        guard let address = RequestJSONIP.parse(try string(value, at: path)) else {
            throw RequestJSONError(path: path, message: "expected an IPv4 or IPv6 address")
        }
        return address
    }

    /// JSON `true`/`false` (Foundation hands them over as boolean `NSNumber`s).
    static func bool(_ value: Any) -> Bool? {
        guard let number = value as? NSNumber else { return nil }
        let type = String(cString: number.objCType)
        return type == "c" || type == "B" ? number.boolValue : nil
    }

    static func number(_ value: Any) -> NSNumber? {
        guard !(value is String), let number = value as? NSNumber else { return nil }
        return number
    }
}

/// RFC 3339 timestamps ⇄ seconds since the epoch (fractions truncated toward
/// the past; offsets applied). Written with integer calendar arithmetic.
public enum RequestJSONTime {
    /// `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`; nil when malformed or out of range.
    public static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let year = digits(b, 0, 4), let month = digits(b, 5, 2), let day = digits(b, 8, 2),
              let hour = digits(b, 11, 2), let minute = digits(b, 14, 2), let second = digits(b, 17, 2),
              (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 61 else { return nil }
        var i = 19
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, (48...57).contains(b[i]) { i += 1 }
            guard i > start else { return nil }
        }
        guard i < b.count else { return nil }
        var offset: Int64 = 0
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            guard b.count == i + 6, b[i + 3] == UInt8(ascii: ":"),
                  let oh = digits(b, i + 1, 2), let om = digits(b, i + 4, 2), oh < 24, om < 60 else { return nil }
            offset = (b[i] == UInt8(ascii: "+") ? 1 : -1) * (oh * 3600 + om * 60)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        // A leap second (:60) is read as the next second, as most systems do.
        return daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` in UTC.
    public static func format(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = seconds - days * 86400
        let (y, m, d) = civilFromDays(days)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay % 3600 / 60, 2)):\(pad(secondOfDay % 60, 2))Z"
    }

    private static func digits(_ b: [UInt8], _ at: Int, _ count: Int) -> Int64? {
        guard at + count <= b.count else { return nil }
        var value: Int64 = 0
        for k in at..<(at + count) {
            guard (48...57).contains(b[k]) else { return nil }
            value = value * 10 + Int64(b[k] - 48)
        }
        return value
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][Int(month - 1)]
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (month <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, month, day)
    }
}

/// IP text ⇄ `IPAddress` through the C library (`inet_pton` / `inet_ntop`).
public enum RequestJSONIP {
    /// Dotted-quad IPv4 or any RFC 4291 IPv6 text; nil otherwise.
    public static func parse(_ text: String) -> IPAddress? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            let value = UInt32(bigEndian: v4.s_addr)
            return IPAddress(high: 0, low: 0xFFFF_0000_0000 | UInt64(value), isV4: true)
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        return IPAddress(high: bigEndian(bytes[0..<8]), low: bigEndian(bytes[8..<16]), isV4: false)
    }

    /// Dotted quad for IPv4, RFC 5952 text for IPv6.
    public static func format(_ address: IPAddress) -> String {
        if address.isV4 {
            let v = UInt32(truncatingIfNeeded: address.low)
            return "\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)"
        }
        var v6 = in6_addr()
        withUnsafeMutableBytes(of: &v6) { raw in
            for k in 0..<8 {
                raw[k] = UInt8(truncatingIfNeeded: address.high >> (56 - 8 * UInt64(k)))
                raw[8 + k] = UInt8(truncatingIfNeeded: address.low >> (56 - 8 * UInt64(k)))
            }
        }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = inet_ntop(AF_INET6, &v6, &buffer, socklen_t(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func bigEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}
