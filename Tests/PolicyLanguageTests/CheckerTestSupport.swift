import PolicyLanguage
import Testing

/// One expected diagnostic: the source marks the primary span with `⟦…⟧`.
struct DiagnosticCase: CustomTestStringConvertible, Sendable {
    var id: String
    var source: String
    var message: String
    var help: String?
    var testDescription: String { "\(id): \(message)" }

    init(_ id: String, _ message: String, help: String? = nil, _ source: String) {
        self.id = id
        self.message = message
        self.help = help
        self.source = source
    }

    /// The source without markers and the byte range the markers enclose.
    var stripped: (text: String, start: Int, end: Int) {
        let open = "⟦", close = "⟧"
        var bytes = Array(source.utf8)
        let o = Array(open.utf8), c = Array(close.utf8)
        guard let start = Self.find(o, in: bytes) else { return (source, -1, -1) }
        bytes.removeSubrange(start..<start + o.count)
        guard let end = Self.find(c, in: bytes) else { return (source, -1, -1) }
        bytes.removeSubrange(end..<end + c.count)
        return (String(decoding: bytes, as: UTF8.self), start, end)
    }

    private static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where Array(hay[i..<i + needle.count]) == needle { return i }
        return nil
    }
}

/// Runs the whole front end on a case and checks the first diagnostic with its id.
func expectDiagnostic(_ c: DiagnosticCase, sourceLocation: SourceLocation = #_sourceLocation) {
    let (text, start, end) = c.stripped
    let result = PolicyFrontend.check(text, path: "case.agate")
    let found = result.diagnostics.filter { $0.code.id == c.id }
    guard let d = found.first(where: { Int($0.span.start) == start }) ?? found.first else {
        Issue.record("no \(c.id) in: \(result.diagnostics.map { "\($0.code.id) \($0.message)" })",
                     sourceLocation: sourceLocation)
        return
    }
    #expect(d.message == c.message, sourceLocation: sourceLocation)
    #expect(d.help == c.help, sourceLocation: sourceLocation)
    let file = result.sources.files[0]
    let expected = file.location(of: UInt32(max(0, start)))
    let actual = file.location(of: d.span.start)
    #expect("\(actual.line):\(actual.column)" == "\(expected.line):\(expected.column)", sourceLocation: sourceLocation)
    let underlined = file.text(of: d.span)
    let wanted = String(decoding: Array(text.utf8)[max(0, start)..<max(0, end)], as: UTF8.self)
    #expect(underlined == wanted, sourceLocation: sourceLocation)
    if d.severity == .error { #expect(result.policySet == nil, sourceLocation: sourceLocation) }
}

/// Checks text and returns the diagnostics' ids.
func ids(_ text: String) -> [String] {
    PolicyFrontend.check(text).diagnostics.map(\.code.id)
}
