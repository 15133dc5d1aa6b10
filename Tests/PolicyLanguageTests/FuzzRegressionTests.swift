import PolicyLanguage
import Testing

/// Inputs that once crashed or could crash the front end (fuzzer findings and
/// hand-picked hostile shapes). Each must come back as diagnostics, never a trap,
/// and keep "policy set iff no error".
@Suite("Front end on hostile input")
struct FuzzRegressionTests {
    static let inputs: [[UInt8]] = [
        [],
        Array("policy".utf8),
        Array("policy p { when /".utf8),
        Array("policy p { when subject.id matches // deny \"x\" }".utf8),
        Array("let a = []\npolicy p { when subject.id in a deny \"x\" }".utf8),
        Array("policy p { when any s in []: s == 1 deny \"x\" }".utf8),
        Array("policy p { when location.ip in [::/0, 0.0.0.0/0, ::ffff:1.2.3.4] deny \"x\" }".utf8),
        Array("let s = schedule mon..sun, sun..mon 00:00..24:00 \"\"".utf8),
        Array(("policy p { when " + String(repeating: "not ", count: 5_000) + "true deny \"x\" }").utf8),
        Array(("policy p { when " + String(repeating: "a and ", count: 5_000) + "b deny \"x\" }").utf8),
        Array(("let x = [" + String(repeating: "\"a\", ", count: 5_000) + "]").utf8),
        [0xFF, 0xFE, 0x00, 0x0A, 0x0D],
        Array("policy p { when subject.id matches /\\".utf8),
        Array("policy p { when subject.id matches /(?<n>a)\\k<m>/ deny \"x\" }".utf8),
    ]

    @Test(arguments: inputs.indices)
    func noTrap(_ index: Int) {
        var sources = SourceSet()
        sources.add(path: "fuzz.agate", bytes: Self.inputs[index])
        let result = PolicyFrontend.check(sources)
        #expect((result.policySet != nil) == (result.errorCount == 0))
        let report = LintReport(sources: result.sources, diagnostics: result.diagnostics, limit: 50)
        _ = TextRenderer(color: false).render(report)
        _ = SARIFRenderer(toolVersion: "test").render(report)
    }
}
