import PolicyLanguage
import Testing

/// Trees the parser never produces but other tools might build: the checker
/// must still reject them with a diagnostic rather than trust them.
@Suite("Checker on hand-built trees")
struct CheckerASTTests {
    func span(_ start: UInt32, _ end: UInt32) -> Span { Span(file: FileID(0), start: start, end: end) }

    @Test func scheduleTimeMustBeATimeOfDay() {
        let text = "let h = schedule mon 8..18:00 \"UTC\""
        var sources = SourceSet()
        sources.add(path: "a.agate", text: text)
        let schedule = Expr(.schedule(days: [WeekdayRange(first: Identifier("mon", span: span(17, 20)), last: nil, span: span(17, 20))],
                                      start: Expr(.integer(8), span: span(21, 22)),
                                      end: Expr(.timeOfDay(64_800), span: span(24, 29)),
                                      zone: StringLiteral("UTC", span: span(30, 35))),
                            span: span(8, 35))
        let unit = SourceUnit(file: FileID(0), items: [.binding(LetDecl(name: Identifier("h", span: span(4, 5)),
                                                                          value: schedule, span: span(0, 35)))])
        let result = Checker.check([unit], sources: sources)
        let d = result.diagnostics.first { $0.code.id == "E0230" }
        #expect(d?.message == "a schedule's start must be a time of day")
        #expect(d?.help == "write a time such as `08:00` or `17:30:00`")
        #expect(d.map { sources.files[0].text(of: $0.span) } == "8")
        #expect(result.policySet == nil)
    }

    @Test func midnightEndOnlyAsRangeEnd() {
        let text = "let t = 24:00"
        var sources = SourceSet()
        sources.add(path: "a.agate", text: text)
        let unit = SourceUnit(file: FileID(0), items: [.binding(LetDecl(name: Identifier("t", span: span(4, 5)),
                                                                          value: Expr(.timeOfDay(86_400), span: span(8, 13)),
                                                                          span: span(0, 13)))])
        let result = Checker.check([unit], sources: sources)
        let d = result.diagnostics.first { $0.code.id == "E0223" }
        #expect(d?.message == "`24:00` is only valid as the end of a schedule range")
        #expect(d?.help == "use `23:59:59`, or write a schedule: `schedule mon..sun 18:00..24:00 \"UTC\"`")
        #expect(d.map { sources.files[0].text(of: $0.span) } == "24:00")
        #expect(result.policySet == nil)
    }
}
