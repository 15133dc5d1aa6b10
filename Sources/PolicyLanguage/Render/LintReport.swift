// What every renderer prints from: the diagnostics of one lint run, the files
// they point into, and how many to show.

/// The input of the diagnostic renderers.
public struct LintReport: Sendable {
    public var sources: SourceSet
    /// Every diagnostic, in reading order.
    public var diagnostics: [Diagnostic]
    /// How many diagnostics to print; the rest are counted as "not shown".
    public var limit: Int

    public init(sources: SourceSet, diagnostics: [Diagnostic], limit: Int = .max) {
        self.sources = sources
        self.diagnostics = diagnostics
        self.limit = max(0, limit)
    }

    public var shown: ArraySlice<Diagnostic> { diagnostics.prefix(limit) }
    public var notShown: Int { max(0, diagnostics.count - limit) }
    public var errors: Int { diagnostics.count(where: { $0.severity == .error }) }
    public var warnings: Int { diagnostics.count(where: { $0.severity == .warning }) }
    public var notes: Int { diagnostics.count(where: { $0.severity == .note }) }

    /// Where a span starts and ends, 1-based, columns in Unicode scalars; the end
    /// is exclusive (the column just past the last character).
    public func location(of span: Span) -> SpanLocation {
        guard Int(span.file.raw) < sources.files.count else {
            return SpanLocation(path: "<unknown>", line: 1, column: 1, endLine: 1, endColumn: 1, text: "")
        }
        let file = sources[span.file]
        let start = file.location(of: span.start)
        let end = file.location(of: span.end)
        return SpanLocation(path: file.path, line: start.line, column: start.column,
                            endLine: end.line, endColumn: end.column, text: file.text(of: span))
    }

    /// "2 errors, 1 warning in 3 files".
    public var summary: String {
        var parts: [String] = []
        if errors > 0 { parts.append(Self.plural(errors, "error")) }
        if warnings > 0 { parts.append(Self.plural(warnings, "warning")) }
        if notes > 0 { parts.append(Self.plural(notes, "note")) }
        let counts = parts.isEmpty ? "no problems" : parts.joined(separator: ", ")
        return "\(counts) in \(Self.plural(sources.files.count, "file"))"
    }

    static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
}

/// A resolved span: path, 1-based line/column start and exclusive end, and the text it covers.
public struct SpanLocation: Sendable, Equatable {
    public var path: String
    public var line: Int
    public var column: Int
    public var endLine: Int
    public var endColumn: Int
    public var text: String
}
