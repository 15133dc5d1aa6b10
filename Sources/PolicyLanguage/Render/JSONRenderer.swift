// `agate lint --format json`: the stable schema documented in docs/diagnostics.md.

/// Renders diagnostics as JSON (schema version 1).
public struct JSONRenderer: Sendable {
    public static let schemaVersion = 1
    public init() {}

    public func render(_ report: LintReport) -> String {
        document(report).serialized()
    }

    public func document(_ report: LintReport) -> JSONValue {
        .object([
            ("version", .int(Self.schemaVersion)),
            ("files", .int(report.sources.files.count)),
            ("diagnostics", .array(report.shown.map { diagnostic($0, report) })),
            ("summary", .object([
                ("errors", .int(report.errors)),
                ("warnings", .int(report.warnings)),
                ("notes", .int(report.notes)),
                ("shown", .int(report.shown.count)),
                ("not_shown", .int(report.notShown)),
            ])),
        ])
    }

    private func diagnostic(_ d: Diagnostic, _ report: LintReport) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(d.code.id)),
            ("severity", .string(d.severity.rawValue)),
            ("name", .string(d.code.name)),
            ("message", .string(d.message)),
        ]
        members += location(d.span, report)
        members.append(("labels", .array(d.labels.map { label in
            .object([("message", .string(label.message))] + location(label.span, report))
        })))
        members.append(("help", .optional(d.help)))
        return .object(members)
    }

    private func location(_ span: Span, _ report: LintReport) -> [(String, JSONValue)] {
        let l = report.location(of: span)
        return [
            ("file", .string(l.path)),
            ("line", .int(l.line)), ("column", .int(l.column)),
            ("end_line", .int(l.endLine)), ("end_column", .int(l.endColumn)),
            ("text", .string(l.text)),
        ]
    }
}
