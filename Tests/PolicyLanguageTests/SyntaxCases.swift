// Cases for the front end's syntax codes, so the catalogue test sees them
// exercised through the whole pipeline (the parser's own tests pin details).
enum SyntaxCases {
    static let all: [DiagnosticCase] = []
}
