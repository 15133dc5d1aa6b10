import Foundation
import PolicyLanguage
import PolicyVM

/// The request contract's JSON form of a `Request` (Request.swift), written
/// here because token issuance must hand the evaluator JSON. Cold path: one
/// request per token, so clarity beats speed.
enum RequestEncoding {
    static func json(_ request: Request) -> [UInt8] {
        var subject: [String: JSONItem] = [
            "id": .string(request.subject.id), "kind": .string(request.subject.kind.name),
            "groups": .strings(request.subject.groups), "risk": .string(request.subject.risk.name),
            "attributes": .object(request.subject.attributes.mapValues(JSONItem.init)),
        ]
        if let blueprint = request.subject.blueprint { subject["blueprint"] = .string(blueprint) }
        if let sponsor = request.subject.sponsor { subject["sponsor"] = .string(sponsor) }
        if let created = request.subject.created { subject["created"] = .string(rfc3339(created)) }
        var location: [String: JSONItem] = ["ip": .string(text(request.ip))]
        if let country = request.country { location["country"] = .string(country) }
        let object: [String: JSONItem] = [
            "subject": .object(subject), "audience": .string(request.audience), "scopes": .strings(request.scopes),
            "location": .object(location), "time": .string(rfc3339(request.time)),
            "risk": .object(["level": .string(request.riskLevel.name), "score": .int(request.riskScore),
                             "signals": .strings(request.riskSignals)]),
            "on_behalf_of": .array(request.onBehalfOf.map {
                .object(["id": .string($0.id), "kind": .string($0.kind.name)])
            }),
            "context": .object(request.context.mapValues(JSONItem.init)),
        ]
        return Array(JSON.encode(JSONItem.object(object)).utf8)
    }

    static func rfc3339(_ seconds: Int64) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    static func text(_ address: IPAddress) -> String {
        if address.isV4 {
            let value = UInt32(truncatingIfNeeded: address.low)
            return [24, 16, 8, 0].map { String((value >> $0) & 0xFF) }.joined(separator: ".")
        }
        let groups = (0..<4).map { UInt16(truncatingIfNeeded: address.high >> (48 - 16 * $0)) }
            + (0..<4).map { UInt16(truncatingIfNeeded: address.low >> (48 - 16 * $0)) }
        return groups.map { String($0, radix: 16) }.joined(separator: ":")
    }
}

/// A JSON value, for writing documents with sorted keys.
indirect enum JSONItem: Encodable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case strings([String])
    case array([JSONItem])
    case object([String: JSONItem])

    init(_ value: DynamicValue) {
        switch value {
        case .string(let text): self = .string(text)
        case .int(let number): self = .int(number)
        case .bool(let flag): self = .bool(flag)
        case .stringSet(let items): self = .strings(items)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .strings(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
