// The one list of every diagnostic Agate's front end can emit. `agate lint
// --explain`, the SARIF rule table and the catalogue test all read it, so a new
// code cannot ship undocumented.

extension DiagnosticCode {
    /// Every code, syntax first, in id order; ids are unique.
    public static let catalogue: [DiagnosticCode] = syntaxCodes + checkerCodes

    /// Looks a code up by id (`E0203`), case-insensitively.
    public static func named(_ id: String) -> DiagnosticCode? {
        let wanted = id.uppercased()
        return catalogue.first { $0.id == wanted }
    }
}
