import PolicyLanguage

/// libFuzzer entry point: lexer → parser → checker → every renderer on
/// arbitrary bytes. Any crash, trap or sanitizer report is a bug; the front end
/// must turn hostile input into diagnostics.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrontend(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var sources = SourceSet()
    sources.add(path: "fuzz.agate", bytes: Array(UnsafeBufferPointer(start: data, count: size)))
    let result = PolicyFrontend.check(sources)
    // A policy set exists exactly when no error was reported.
    precondition((result.policySet != nil) == (result.errorCount == 0), "policySet/error invariant broken")
    let report = LintReport(sources: result.sources, diagnostics: result.diagnostics, limit: 50)
    _ = TextRenderer(color: false).render(report)
    _ = JSONRenderer().render(report)
    // Only the rules in play: the full table is constant work that would halve throughput.
    var seen = Set<String>()
    let rules = result.diagnostics.map(\.code).filter { seen.insert($0.id).inserted }
    _ = SARIFRenderer(toolVersion: "fuzz", rules: rules).render(report)
    _ = GitHubRenderer().render(report)
    return 0
}
