import TestSupport
import Foundation
import PolicyLanguage
@testable import PolicyVM

/// Generates requests biased toward the constants policies mention, with
/// absent optionals, wrong-typed attributes, duplicates in sets, and times on
/// DST transitions and schedule edges.
struct RequestGenerator {
    private var rng: SeededRandom
    private let schedules: [(days: [Int], start: Int, end: Int, zone: String)]

    init(seed: UInt64, schedules: [(days: [Int], start: Int, end: Int, zone: String)]) {
        rng = SeededRandom(seed: seed)
        self.schedules = schedules
    }

    mutating func request() -> Request {
        let time = time()
        let subject = Request.Subject(
            id: string(Vocabulary.ids),
            kind: rng.pick(SubjectKind.allCases),
            blueprint: rng.chance(0.15) ? nil : string(Vocabulary.blueprints),
            sponsor: rng.chance(0.15) ? nil : string(Vocabulary.sponsors),
            groups: strings(Vocabulary.groups, max: 3),
            risk: rng.pick(RiskLevel.allCases),
            created: rng.chance(0.2) ? nil : time - rng.pick(Vocabulary.durations) + Int64(rng.int(-1...1)),
            attributes: attributes())
        var scopes = strings(Vocabulary.scopes, max: 4)
        if rng.chance(0.02) { scopes.append(Vocabulary.pathologicalSubject) }
        return Request(
            subject: subject,
            audience: string(Vocabulary.audiences),
            scopes: scopes,
            ip: address(),
            country: rng.chance(0.15) ? nil : string(Vocabulary.countries),
            time: time,
            riskLevel: rng.pick(RiskLevel.allCases),
            riskScore: rng.chance(0.7) ? min(100, max(0, rng.pick(Vocabulary.ints))) : Int64(rng.int(0...100)),
            riskSignals: strings(Vocabulary.signals, max: 3),
            onBehalfOf: rng.chance(0.5) ? [] : (0..<rng.int(1...3)).map { _ in
                Request.Actor(id: string(Vocabulary.ids), kind: rng.pick(SubjectKind.allCases))
            },
            context: attributes())
    }

    // MARK: pieces

    private mutating func string(_ pool: [String]) -> String {
        if rng.chance(0.85) { return rng.pick(pool) }
        if rng.chance(0.3) { return Vocabulary.pathologicalSubject }
        return rng.pick(["", "other", "zz-\(rng.int(0...9))", "ünïcödé", "x\"y\\z", "a\u{301}"])
    }

    /// Up to `max` elements, now and then with a duplicate (sets drop it).
    private mutating func strings(_ pool: [String], max: Int) -> [String] {
        if rng.chance(0.15) { return [] }
        var out = (0..<rng.int(1...max)).map { _ in string(pool) }
        if rng.chance(0.1), let first = out.first { out.append(first) }
        return out
    }

    /// Attribute values of every allowed type under the names policies read,
    /// so the same read is sometimes absent and sometimes of the wrong type.
    private mutating func attributes() -> [String: DynamicValue] {
        var map: [String: DynamicValue] = [:]
        for name in Vocabulary.attributeNames where rng.chance(0.5) {
            map[name] = dynamicValue(for: name)
        }
        return map
    }

    private mutating func dynamicValue(for name: String) -> DynamicValue {
        // Mostly the type a policy is likely to expect for this name, else any type.
        let expected: Int = switch name {
        case "level": 1
        case "enabled": 2
        case "tags": 3
        default: 0
        }
        switch rng.chance(0.75) ? expected : rng.int(0...3) {
        case 0: return .string(rng.chance(0.1) ? Vocabulary.pathologicalSubject : string(Vocabulary.attributeStrings))
        case 1: return .int(rng.pick(Vocabulary.ints))
        case 2: return .bool(rng.chance(0.5))
        default: return .stringSet(strings(Vocabulary.attributeStrings + Vocabulary.groups, max: 3))
        }
    }

    private mutating func address() -> IPAddress {
        let text: String
        switch rng.int(0...9) {
        case 0...5: text = rng.pick(Vocabulary.addressesV4)
        case 6...8: text = rng.pick(Vocabulary.addressesV6)
        default: text = "\(rng.int(0...255)).\(rng.int(0...255)).\(rng.int(0...255)).\(rng.int(0...255))"
        }
        return RequestJSONIP.parse(text)!
    }

    // MARK: time

    /// DST changes in 2026 (UTC) for the zones used: US, EU, Sydney, Chatham, St John's.
    static let transitions: [Int64] = [
        "2026-03-08T07:00:00Z", "2026-11-01T06:00:00Z", "2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z",
        "2026-04-04T16:00:00Z", "2026-10-03T16:00:00Z", "2026-04-04T14:00:00Z", "2026-09-26T14:00:00Z",
        "2026-03-08T05:30:00Z", "2026-11-01T04:30:00Z",
    ].map { RequestJSONTime.parse($0)! }

    private mutating func time() -> Int64 {
        let base = RequestJSONTime.parse("2026-01-01T00:00:00Z")!
        switch rng.int(0...9) {
        case 0...2:
            return rng.pick(Self.transitions) + rng.pick([0, 1, -1, 1800, -1800, 3600, -3600, 7200, -7200, 86400])
        case 3...5 where !schedules.isEmpty:
            return scheduleEdge(base: base)
        case 6:
            // Midnight UTC: time.hour and time.weekday change.
            return base + Int64(rng.int(0...364)) * 86400 + Int64(rng.pick([0, -1, 1, 3599, 3600]))
        default:
            return base + Int64(rng.int(0...(365 * 86400)))
        }
    }

    /// A UTC instant at a schedule's start or end in its zone, give or take a second.
    private mutating func scheduleEdge(base: Int64) -> Int64 {
        let s = rng.pick(schedules)
        let day = base + Int64(rng.int(0...364)) * 86400
        let localTarget = day + Int64(rng.chance(0.5) ? s.start : s.end)
        let zone = TimeZone(identifier: s.zone) ?? TimeZone(identifier: "UTC")!
        let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(localTarget))))
        return localTarget - offset + Int64(rng.pick([0, 0, -1, 1]))
    }
}
