import PolicyLanguage
import Testing

@Suite("Diagnostic catalogue")
struct CatalogueTests {
    @Test func idsAreUniqueAndWellFormed() {
        let ids = DiagnosticCode.catalogue.map(\.id)
        #expect(Set(ids).count == ids.count)
        for code in DiagnosticCode.catalogue {
            let prefix = code.id.first
            let expected: Character = code.severity == .error ? "E" : code.severity == .warning ? "W" : "N"
            #expect(prefix == expected, "\(code.id) has severity \(code.severity)")
            #expect(code.id.count == 5 && code.id.dropFirst().allSatisfy(\.isNumber), "\(code.id)")
            #expect(!code.name.isEmpty && code.name == code.name.lowercased(), "\(code.id)")
            #expect(!code.summary.isEmpty, "\(code.id)")
        }
    }

    @Test func everyCodeIsExercisedByACase() {
        let covered = Set((CheckerCases.all + SyntaxCases.all).map(\.id)).union(CheckerCases.astOnly).union(SyntaxCases.bytesOnly)
        let missing = DiagnosticCode.catalogue.map(\.id).filter { !covered.contains($0) }
        #expect(missing == [])
    }

    @Test func lookupByID() {
        #expect(DiagnosticCode.named("e0203")?.name == "unknown-signal")
        #expect(DiagnosticCode.named("E9999") == nil)
    }
}
