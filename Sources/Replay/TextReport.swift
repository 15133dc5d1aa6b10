import Foundation

/// Renders a report for a reviewer: totals, then why, then where, then examples.
public enum TextReport {
    public static func render(_ report: ReplayReport, top: Int, failOn: FailOn?) -> String {
        var out: [String] = []
        out.append(header(report))
        out.append("")
        out += totals(report)
        out += why(report)
        for (title, rows) in [("blueprint", report.byBlueprint), ("audience", report.byAudience),
                              ("subject", report.bySubject)] where !rows.isEmpty {
            out += breakdown(title, rows, top: top)
        }
        out += reportOnly(report)
        out += examples(report)
        out += unreadable(report)
        if let failOn { out += ["", gate(failOn, report)] }
        return out.joined(separator: "\n") + "\n"
    }

    private static func header(_ report: ReplayReport) -> String {
        let logs = report.logs.count == 1 ? "`\(report.logs[0])`" : "\(report.logs.count) logs"
        let against = "`\(report.policies.name)` (\(short(report.policies.hash)))"
        let with = report.baseline.map { "`\($0.name)` (\(short($0.hash)))" } ?? "the recorded decisions"
        return "replayed \(number(report.requests)) \(plural(report.requests, "request")) from \(logs): \(against) against \(with)"
    }

    private static func totals(_ report: ReplayReport) -> [String] {
        var controls = "  allow, other controls  \(pad(report.changes.controls))"
        if report.changes.controls > 0 {
            controls += "  (token lifetime \(number(report.lifetimeChanges)), scopes \(number(report.scopeChanges)), "
                + "requirements \(number(report.requireChanges)))"
        }
        var unchanged = "  unchanged              \(pad(report.unchanged))"
        if report.unchangedDifferentPolicies > 0 {
            unchanged += "  (\(number(report.unchangedDifferentPolicies)) name other policies)"
        }
        return [
            unchanged,
            "  allow → deny           \(pad(report.changes.allowToDeny))",
            "  deny → allow           \(pad(report.changes.denyToAllow))",
            controls,
            "  unreadable lines       \(pad(report.unreadable))",
        ]
    }

    private static func why(_ report: ReplayReport) -> [String] {
        guard report.changes.total > 0 else { return ["", "no request changes its decision or controls"] }
        var out = ["", "why"]
        for kind in ChangeKind.allCases where report.changes[kind] > 0 {
            out.append("  \(kind.title) (\(number(report.changes[kind]))):")
            for cause in report.causes where cause.kind == kind {
                out.append("    `\(cause.policy)` \(verb(kind, cause.role)) \(number(cause.count)) \(plural(cause.count, "request"))")
            }
            for reason in report.reasons where reason.kind == kind {
                out.append("    \(number(reason.count)) \(plural(reason.count, "request")) now denied with \"\(reason.reason)\"")
            }
        }
        return out
    }

    /// The reviewer's sentence for a policy that appears in, or left, the answers.
    static func verb(_ kind: ChangeKind, _ role: CauseRole) -> String {
        switch (kind, role) {
        case (.allowToDeny, .newlyMatched): "newly denies"
        case (.allowToDeny, .stoppedMatching): "stopped allowing"
        case (.denyToAllow, .newlyMatched): "newly allows"
        case (.denyToAllow, .stoppedMatching): "stopped denying"
        case (.controls, .newlyMatched): "newly applies its controls to"
        case (.controls, .stoppedMatching): "stopped applying its controls to"
        case (_, .stillMatching): "grants other controls to"
        }
    }

    private static func breakdown(_ title: String, _ rows: [ReplayReport.Breakdown], top: Int) -> [String] {
        let shown = rows.prefix(top)
        let width = max(title.count + 4, shown.map(\.key.count).max() ?? 0)
        var out = ["", "changes by \(title)" + (rows.count > top ? " (top \(top) of \(number(rows.count)))" : "")]
        out.append("  " + title.padding(toLength: width, withPad: " ", startingAt: 0)
                   + "  allow→deny  deny→allow  controls")
        for row in shown {
            out.append("  " + row.key.padding(toLength: width, withPad: " ", startingAt: 0)
                       + "  " + pad(row.counts.allowToDeny, 10) + "  " + pad(row.counts.denyToAllow, 10)
                       + "  " + pad(row.counts.controls, 8))
        }
        return out
    }

    private static func reportOnly(_ report: ReplayReport) -> [String] {
        guard !report.reportOnly.isEmpty else { return [] }
        var out = ["", "report-only policies"]
        for entry in report.reportOnly {
            out.append("  `\(entry.policy)` would \(entry.would) \(number(entry.new)) \(plural(entry.new, "request"))"
                       + " (before: \(number(entry.old)))")
        }
        return out
    }

    private static func examples(_ report: ReplayReport) -> [String] {
        guard !report.examples.isEmpty else { return [] }
        var out = ["", "examples"]
        for example in report.examples {
            out.append("  \(example.kind.title) at \(example.log):\(example.line)")
            out.append("    request: \(example.request)")
            out.append("    before:  \(example.old)")
            out.append("    after:   \(example.new)")
        }
        return out
    }

    private static func unreadable(_ report: ReplayReport) -> [String] {
        guard report.unreadable > 0 else { return [] }
        var out = ["", "unreadable lines (\(number(report.unreadable)); they were skipped)"]
        for bad in report.badLines { out.append("  \(bad.log):\(bad.line): \(bad.message)") }
        if report.unreadable > report.badLines.count {
            out.append("  … and \(number(report.unreadable - report.badLines.count)) more")
        }
        return out
    }

    private static func gate(_ failOn: FailOn, _ report: ReplayReport) -> String {
        let kinds = ChangeKind.allCases.filter(failOn.kinds.contains).map(\.name).joined(separator: ",")
        let counted = failOn.counted(in: report)
        let verdict = failOn.trips(report) ? "fails" : "passes"
        return "--fail-on \(kinds) --max \(failOn.tolerance): \(number(counted)) \(plural(counted, "change")), the check \(verdict)"
    }

    static func number(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    private static func pad(_ n: Int, _ width: Int = 12) -> String {
        let text = number(n)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }

    private static func plural(_ n: Int, _ word: String) -> String { n == 1 ? word : word + "s" }

    private static func short(_ hash: String) -> String { String(hash.prefix(19)) }
}
