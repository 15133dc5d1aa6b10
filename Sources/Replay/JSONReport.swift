import PolicyVM

/// Renders a report as one JSON document; the schema is in docs/replay.md
/// (`"schema": "agate.replay/1"`). Written by hand so examples can embed the
/// request and answers as JSON values, byte for byte.
public enum JSONReport {
    public static func render(_ report: ReplayReport, top: Int, failOn: FailOn?) -> String {
        var o = JSONOut()
        o.open("{")
        o.key("schema"); o.string("agate.replay/1")
        o.key("policies"); policySet(&o, report.policies)
        o.key("baseline")
        if let baseline = report.baseline { policySet(&o, baseline) } else { o.raw("null") }
        o.key("compared_with"); o.string(report.baseline == nil ? "recorded" : "baseline")
        o.key("logs"); o.strings(report.logs)
        o.key("totals"); totals(&o, report)
        o.key("controls")
        o.open("{")
        o.key("token_lifetime"); o.int(report.lifetimeChanges)
        o.key("scopes"); o.int(report.scopeChanges)
        o.key("require"); o.int(report.requireChanges)
        o.close("}")
        o.key("causes"); causes(&o, report)
        o.key("reasons")
        o.array(report.reasons) { o, reason in
            o.open("{")
            o.key("kind"); o.string(reason.kind.name)
            o.key("reason"); o.string(reason.reason)
            o.key("count"); o.int(reason.count)
            o.close("}")
        }
        o.key("breakdowns")
        o.open("{")
        o.key("blueprint"); breakdown(&o, report.byBlueprint, top: top)
        o.key("audience"); breakdown(&o, report.byAudience, top: top)
        o.key("subject"); breakdown(&o, report.bySubject, top: top)
        o.close("}")
        o.key("report_only")
        o.array(report.reportOnly) { o, entry in
            o.open("{")
            o.key("policy"); o.string(entry.policy)
            o.key("would"); o.string(entry.would)
            o.key("new"); o.int(entry.new)
            o.key("old"); o.int(entry.old)
            o.close("}")
        }
        o.key("examples"); examples(&o, report)
        o.key("unreadable_lines")
        o.array(report.badLines) { o, bad in
            o.open("{")
            o.key("log"); o.string(bad.log)
            o.key("line"); o.int(bad.line)
            o.key("message"); o.string(bad.message)
            o.close("}")
        }
        o.key("fail_on")
        if let failOn { gate(&o, failOn, report) } else { o.raw("null") }
        o.close("}")
        return o.text + "\n"
    }

    private static func policySet(_ o: inout JSONOut, _ set: ReplayReport.PolicySetName) {
        o.open("{")
        o.key("name"); o.string(set.name)
        o.key("hash"); o.string(set.hash)
        o.close("}")
    }

    private static func totals(_ o: inout JSONOut, _ report: ReplayReport) {
        o.open("{")
        o.key("lines"); o.int(report.lines)
        o.key("requests"); o.int(report.requests)
        o.key("unchanged"); o.int(report.unchanged)
        o.key("unchanged_different_policies"); o.int(report.unchangedDifferentPolicies)
        o.key("allow_to_deny"); o.int(report.changes.allowToDeny)
        o.key("deny_to_allow"); o.int(report.changes.denyToAllow)
        o.key("controls"); o.int(report.changes.controls)
        o.key("unreadable"); o.int(report.unreadable)
        o.close("}")
    }

    private static func causes(_ o: inout JSONOut, _ report: ReplayReport) {
        o.array(report.causes) { o, cause in
            o.open("{")
            o.key("kind"); o.string(cause.kind.name)
            o.key("policy"); o.string(cause.policy)
            o.key("change"); o.string(cause.role.name)
            o.key("count"); o.int(cause.count)
            o.close("}")
        }
    }

    private static func breakdown(_ o: inout JSONOut, _ rows: [ReplayReport.Breakdown], top: Int) {
        o.array(Array(rows.prefix(top))) { o, row in
            o.open("{")
            o.key("key"); o.string(row.key)
            o.key("allow_to_deny"); o.int(row.counts.allowToDeny)
            o.key("deny_to_allow"); o.int(row.counts.denyToAllow)
            o.key("controls"); o.int(row.counts.controls)
            o.key("total"); o.int(row.counts.total)
            o.close("}")
        }
    }

    private static func examples(_ o: inout JSONOut, _ report: ReplayReport) {
        o.array(report.examples) { o, example in
            o.open("{")
            o.key("kind"); o.string(example.kind.name)
            o.key("log"); o.string(example.log)
            o.key("line"); o.int(example.line)
            // Requests that reach an example were decoded by the engine, so they are valid JSON.
            o.key("request"); o.raw(example.request)
            o.key("old"); o.raw(example.old)
            o.key("new"); o.raw(example.new)
            o.close("}")
        }
    }

    private static func gate(_ o: inout JSONOut, _ failOn: FailOn, _ report: ReplayReport) {
        o.open("{")
        o.key("kinds"); o.strings(ChangeKind.allCases.filter(failOn.kinds.contains).map(\.name))
        o.key("max"); o.int(failOn.tolerance)
        o.key("counted"); o.int(failOn.counted(in: report))
        o.key("tripped"); o.raw(failOn.trips(report) ? "true" : "false")
        o.close("}")
    }
}

/// A compact JSON text builder that tracks where commas go.
struct JSONOut {
    private(set) var text = ""
    private var needsComma = false

    mutating func open(_ bracket: String) { separate(); text += bracket; needsComma = false }
    mutating func close(_ bracket: String) { text += bracket; needsComma = true }
    mutating func key(_ name: String) { separate(); text += Self.quoted(name) + ":"; needsComma = false }
    mutating func string(_ value: String) { separate(); text += Self.quoted(value); needsComma = true }
    mutating func int(_ value: Int) { separate(); text += String(value); needsComma = true }
    mutating func raw(_ json: String) { separate(); text += json; needsComma = true }
    mutating func strings(_ values: [String]) { array(values) { $0.string($1) } }

    mutating func array<T>(_ items: [T], _ body: (inout JSONOut, T) -> Void) {
        open("[")
        for item in items { body(&self, item) }
        close("]")
    }

    private mutating func separate() {
        if needsComma { text += "," }
        needsComma = false
    }

    static func quoted(_ s: String) -> String { RequestJSONText.string(s) }
}
