// `agate lint --format sarif`: SARIF 2.1.0 for GitHub code scanning and other
// static-analysis dashboards.

/// Renders diagnostics as a SARIF 2.1.0 log with one run.
public struct SARIFRenderer: Sendable {
    public static let schema = "https://json.schemastore.org/sarif-2.1.0.json"
    public static let informationURI = "https://github.com/agate-policy/agate/blob/main/docs/diagnostics.md"
    public var toolVersion: String
    /// The rule table; result `ruleIndex` points into it.
    public var rules: [DiagnosticCode]

    public init(toolVersion: String, rules: [DiagnosticCode] = DiagnosticCode.catalogue) {
        self.toolVersion = toolVersion
        self.rules = rules
    }

    public func render(_ report: LintReport) -> String {
        document(report).serialized()
    }

    public func document(_ report: LintReport) -> JSONValue {
        var index: [String: Int] = [:]
        for (position, rule) in rules.enumerated() where index[rule.id] == nil { index[rule.id] = position }
        let driver: JSONValue = .object([
            ("name", .string("agate")),
            ("informationUri", .string(Self.informationURI)),
            ("version", .string(toolVersion)),
            ("rules", .array(rules.map(rule))),
        ])
        let run: JSONValue = .object([
            ("tool", .object([("driver", driver)])),
            ("columnKind", .string("unicodeCodePoints")),
            ("results", .array(report.shown.map { result($0, ruleIndex: index[$0.code.id], report) })),
        ])
        return .object([
            ("$schema", .string(Self.schema)),
            ("version", .string("2.1.0")),
            ("runs", .array([run])),
        ])
    }

    private func rule(_ code: DiagnosticCode) -> JSONValue {
        .object([
            ("id", .string(code.id)),
            ("name", .string(code.name)),
            ("shortDescription", .object([("text", .string(code.summary))])),
            ("helpUri", .string(Self.informationURI + "#" + code.id.lowercased())),
            ("defaultConfiguration", .object([("level", .string(Self.level(code.severity)))])),
        ])
    }

    private func result(_ d: Diagnostic, ruleIndex: Int?, _ report: LintReport) -> JSONValue {
        var text = d.message
        if let help = d.help { text += "\nhelp: " + help }
        var members: [(String, JSONValue)] = [("ruleId", .string(d.code.id))]
        if let ruleIndex { members.append(("ruleIndex", .int(ruleIndex))) }
        members += [
            ("level", .string(Self.level(d.severity))),
            ("message", .object([("text", .string(text))])),
            ("locations", .array([location(d.span, message: nil, report)])),
        ]
        if !d.labels.isEmpty {
            members.append(("relatedLocations", .array(d.labels.enumerated().map { index, label in
                location(label.span, message: label.message, report, id: index)
            })))
        }
        return .object(members)
    }

    private func location(_ span: Span, message: String?, _ report: LintReport, id: Int? = nil) -> JSONValue {
        let l = report.location(of: span)
        let region: JSONValue = .object([
            ("startLine", .int(l.line)), ("startColumn", .int(l.column)),
            ("endLine", .int(l.endLine)), ("endColumn", .int(max(l.endColumn, l.column))),
        ])
        var members: [(String, JSONValue)] = []
        if let id { members.append(("id", .int(id))) }
        members.append(("physicalLocation", .object([
            ("artifactLocation", .object([("uri", .string(Self.uri(l.path)))])),
            ("region", region),
        ])))
        if let message { members.append(("message", .object([("text", .string(message))]))) }
        return .object(members)
    }

    static func level(_ severity: Severity) -> String {
        switch severity {
        case .error: "error"
        case .warning: "warning"
        case .note: "note"
        }
    }

    /// A relative URI reference: forward slashes, leading `./` dropped, and
    /// characters outside RFC 3986's unreserved and path set percent-encoded.
    static func uri(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.hasPrefix("./") { trimmed = trimmed.dropFirst(2) }
        var out = ""
        for byte in trimmed.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if byte < 0x80, c.isLetter || c.isNumber || "-._~/!$&'()*+,;=:@".contains(c) {
                out.append(c)
            } else {
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
