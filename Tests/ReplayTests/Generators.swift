import Foundation
import PolicyVM
import TestSupport

/// Random but well-typed policy sets and requests over a small shared vocabulary,
/// so policies often match: exercises every effect, mode, control and runtime error.
enum Generator {
    static let blueprints = ["finance-reporting", "support-bot", "ops-agent", "readonly-crawler"]
    static let audiences = ["https://finance.contoso.com", "https://graph.contoso.com", "https://hr.contoso.com"]
    static let countries = ["GB", "DE", "FR", "US", "KP"]
    static let scopes = ["Reports.Read", "Invoices.Read", "Mail.Send", "Files.Write"]
    static let groups = ["finance-agents", "support", "ops"]
    static let levels = ["none", "low", "medium", "high"]

    static func quoted(_ items: [String]) -> String { "[" + items.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }

    static func policySet(_ random: inout SeededRandom, policies count: Int) -> String {
        var text = "policyset \"generated\"\ndefault \(random.chance(0.80) ? "deny" : "allow")\n\n"
        for i in 0..<count { text += policy(&random, name: "p\(i)") }
        return text
    }

    private static func policy(_ random: inout SeededRandom, name: String) -> String {
        let mode = random.chance(0.70) ? "" : random.chance(0.70) ? " report_only" : " disabled"
        var text = "policy \(name)\(mode) {\n"
        if random.chance(0.40) { text += "  target subject.blueprint == \"\(random.pick(blueprints))\"\n" }
        if random.chance(0.30) { text += "  target audience in \(quoted(random.sample(audiences, max: 2)))\n" }
        if random.chance(0.15) { text += "  target \"\(random.pick(groups))\" in subject.groups\n" }
        let conditions = (0..<Int.random(in: 0...2, using: &random)).map { _ in condition(&random) }
        if !conditions.isEmpty { text += "  when " + conditions.joined(separator: " and ") + "\n" }
        switch Int.random(in: 0..<3, using: &random) {
        case 0: text += "  deny \"\(name) denies\"\n"
        case 1: text += "  allow" + controls(&random) + "\n"
        default: text += "  limit" + controls(&random, nonEmpty: true) + "\n"
        }
        return text + "}\n\n"
    }

    private static func condition(_ random: inout SeededRandom) -> String {
        switch Int.random(in: 0..<9, using: &random) {
        case 0: "risk.level \(random.pick(["<=", ">=", "==", "<"])) \(random.pick(levels))"
        case 1: "location has country and location.country in \(quoted(random.sample(countries, max: 3)))"
        case 2: "location.ip in [10.0.0.0/8, 192.168.0.0/16]"
        case 3: "any s in scopes: s like \"*.\(random.pick(["Read", "Write", "Send"]))\""
        case 4: "time in schedule mon..fri 08:00..18:00 \"UTC\""
        case 5: "risk.score >= \(Int.random(in: 10...90, using: &random))"
        case 6: "subject.kind == \(random.pick(["agent", "user", "service"]))"
        // Reads an optional signal without `has`: errs when absent, which tests fail-closed answers.
        case 7: "subject.blueprint == \"\(random.pick(blueprints))\""
        default: "not (\"\(random.pick(groups))\" in subject.groups)"
        }
    }

    private static func controls(_ random: inout SeededRandom, nonEmpty: Bool = false) -> String {
        var lines: [String] = []
        if random.chance(0.50) { lines.append("token_lifetime \(random.pick(["5m", "15m", "1h", "8h"]))") }
        if random.chance(0.35) { lines.append("scopes \(quoted(random.sample(scopes, max: 3)))") }
        if random.chance(0.25) { lines.append("require \"\(random.pick(["human_approval", "mfa"]))\"") }
        if lines.isEmpty && nonEmpty { lines.append("token_lifetime 30m") }
        return lines.isEmpty ? "" : " { " + lines.joined(separator: " ") + " }"
    }

    /// A request line; `time` is left out a third of the time (the log line's time then decides).
    static func request(_ random: inout SeededRandom, time: Int64) -> String {
        var subject = "\"id\":\"agent-\(Int.random(in: 1...40, using: &random))\""
            + ",\"kind\":\"\(random.pick(["agent", "agent", "user", "service"]))\""
        if random.chance(0.80) { subject += ",\"blueprint\":\"\(random.pick(blueprints))\"" }
        subject += ",\"groups\":\(quoted(random.sample(groups, max: 2)))"
        subject += ",\"risk\":\"\(random.pick(levels))\""
        var location = "\"ip\":\"\(random.chance(0.60) ? "10.1.2.\(Int.random(in: 1...250, using: &random))" : "203.0.113.9")\""
        if random.chance(0.85) { location += ",\"country\":\"\(random.pick(countries))\"" }
        var text = "{\"subject\":{\(subject)},\"audience\":\"\(random.pick(audiences))\""
            + ",\"scopes\":\(quoted(random.sample(scopes, max: 3))),\"location\":{\(location)}"
            + ",\"risk\":{\"level\":\"\(random.pick(levels))\",\"score\":\(Int.random(in: 0...100, using: &random))}"
        if random.chance(0.66) { text += ",\"time\":\"\(RequestJSONTime.format(time + Int64.random(in: -3600...3600, using: &random)))\"" }
        return text + "}"
    }

    /// A decision-log line as the server writes it: the evaluator's own answer fields.
    static func logLine(_ evaluator: inout Evaluator, request: String, time: Int64, id: Int) -> String {
        var bytes = Array(request.utf8)
        _ = bytes.withUnsafeBytes { evaluator.decide(json: $0, now: time) }
        bytes.removeAll()
        evaluator.writeAnswerFields(into: &bytes)
        return "{\"time\":\"\(RequestJSONTime.format(time))\",\"id\":\(id),\"request\":\(request),"
            + String(decoding: bytes, as: UTF8.self) + "}"
    }

}
