import Testing
@testable import PolicyLanguage

/// Inputs chosen to break a parser. Each must terminate, not crash, and say
/// something precise (or nothing, for an empty file).
@Suite struct HostileInputTests {
    func parse(bytes: [UInt8]) -> (unit: SourceUnit, diagnostics: [Diagnostic]) {
        Parser.parse(SourceFile(id: FileID(0), path: "hostile.agate", bytes: bytes))
    }

    @Test func emptyFileIsAnEmptyUnit() {
        let (unit, diagnostics) = parse(bytes: [])
        #expect(unit.items.isEmpty)
        #expect(diagnostics.isEmpty)
        #expect(Parser.parse(syntaxFile("  \n# only a comment\n\n")).diagnostics.isEmpty)
    }

    @Test func binaryGarbageIsReportedNotCrashedOn() {
        // A deterministic pseudo-random byte soup (LCG), 64 KiB.
        var state: UInt32 = 12_345
        let bytes = (0..<65_536).map { _ -> UInt8 in
            state = state &* 1_103_515_245 &+ 12_345
            return UInt8(truncatingIfNeeded: state >> 16)
        }
        let diagnostics = parse(bytes: bytes).diagnostics
        #expect(!diagnostics.isEmpty)
        #expect(diagnostics.contains { $0.code == .invalidUTF8 })
        for d in diagnostics {
            #expect(d.span.end <= UInt32(bytes.count))
        }
    }

    @Test func invalidUTF8InEveryPosition() {
        let cases: [[UInt8]] = [
            Array("policy p { deny \"".utf8) + [0xC3, 0x28] + Array("\" }".utf8),   // in a string
            Array("# comment ".utf8) + [0xFF] + Array("\npolicy p { deny }".utf8),  // in a comment
            Array("policy p".utf8) + [0x80] + Array(" { deny }".utf8),              // between tokens
            Array("let r = /a".utf8) + [0xF5] + Array("/".utf8),                    // in a regex
        ]
        for bytes in cases {
            let (unit, diagnostics) = parse(bytes: bytes)
            #expect(diagnostics.map(\.code) == [.invalidUTF8], "\(diagnostics.map(\.message))")
            #expect(unit.items.count == 1)
        }
    }

    @Test func aOneMebibyteSingleLine() {
        // One `let` whose set has ~100,000 elements on a single line.
        var text = "let big = ["
        text.reserveCapacity(1 << 20)
        while text.utf8.count < (1 << 20) - 10 { text += "\"abcdefg\", " }
        text += "]"
        let (unit, diagnostics) = Parser.parse(syntaxFile(text))
        #expect(diagnostics.isEmpty)
        guard case .binding(let binding) = unit.items.first, case .set(let elements) = binding.value.kind else {
            Issue.record("expected one let of a set")
            return
        }
        #expect(elements.count > 90_000)
    }

    @Test func aOneMebibyteUnterminatedString() {
        let text = "policyset \"" + String(repeating: "x", count: 1 << 20)
        let diagnostics = Parser.parse(syntaxFile(text)).diagnostics
        #expect(diagnostics.map(\.code) == [.unterminatedString])
    }

    @Test func aHundredThousandNestedParentheses() {
        let n = 100_000
        let balanced = "let x = " + String(repeating: "(", count: n) + "1" + String(repeating: ")", count: n)
        #expect(Parser.parse(syntaxFile(balanced)).diagnostics.map(\.code) == [.nestingTooDeep])
        let open = "let x = " + String(repeating: "(", count: n)
        #expect(Parser.parse(syntaxFile(open)).diagnostics.map(\.code) == [.nestingTooDeep])
        let sets = "let x = " + String(repeating: "[", count: n)
        #expect(Parser.parse(syntaxFile(sets)).diagnostics.map(\.code) == [.nestingTooDeep])
        let nots = "policy p { when " + String(repeating: "not ", count: n) + "a deny \"x\" }"
        #expect(Parser.parse(syntaxFile(nots)).diagnostics.map(\.code) == [.nestingTooDeep])
        let minus = "let x = " + Array(repeating: "a", count: n).joined(separator: " - ")
        #expect(Parser.parse(syntaxFile(minus)).diagnostics.map(\.code) == [.nestingTooDeep])
    }

    @Test func unterminatedLiteralsAtEndOfFile() {
        let cases: [(String, DiagnosticCode)] = [
            ("policy p { deny \"reason", .unterminatedString),
            ("policy p { when s matches /abc", .unterminatedRegex),
            ("let s = \"", .unterminatedString),
            ("let r = /", .unterminatedRegex),
            ("let s = \"\\", .unterminatedString),
            ("let s = \"\\u{", .unterminatedString),
        ]
        for (text, code) in cases {
            let diagnostics = Parser.parse(syntaxFile(text)).diagnostics
            #expect(diagnostics.first?.code == code, "\(text): \(diagnostics.map(\.message))")
            #expect(diagnostics.count <= 2, "\(text): \(diagnostics.map(\.message))")
        }
    }

    @Test func tenThousandErrorsInOneFile() {
        // Each line is an independent error; every one is reported, no more.
        let line = "policy p { when == deny \"x\" }\n"
        let text = String(repeating: line, count: 10_000)
        let (unit, diagnostics) = Parser.parse(syntaxFile(text))
        #expect(diagnostics.count == 10_000)
        #expect(unit.items.count == 10_000)
        let junk = String(repeating: "§ ", count: 10_000)
        #expect(Parser.parse(syntaxFile(junk)).diagnostics.count == 10_000)
    }

    @Test func everyPrefixOfTheShowcaseTerminates() {
        // Truncation at every byte exercises each "unexpected end of file" path.
        let bytes = Array(syntaxShowcase.utf8)
        for cut in stride(from: 0, through: bytes.count, by: 7) {
            let diagnostics = parse(bytes: Array(bytes[..<cut])).diagnostics
            for d in diagnostics {
                #expect(d.span.end <= UInt32(cut))
            }
        }
    }

    @Test func linearInTheNumberOfErrors() {
        // Independent errors each cost a constant amount of work: four times the
        // errors must cost about four times the time (quadratic would be 16x).
        func timeFor(_ count: Int) -> Duration {
            let text = String(repeating: "policy p { when == deny \"x\" }\n", count: count)
            let file = syntaxFile(text)
            let clock = ContinuousClock()
            var best = Duration.seconds(1_000)
            for _ in 0..<3 {
                best = min(best, clock.measure {
                    #expect(Parser.parse(file).diagnostics.count == count)
                })
            }
            return best
        }
        let small = timeFor(2_500)
        let large = timeFor(10_000)
        #expect(large < small * 8, "2.5k: \(small), 10k: \(large)")
    }

    @Test func aRunOfJunkIsOneErrorNotACascade() {
        // Panic mode: stray braces up to the next declaration are one error.
        let text = String(repeating: "} ", count: 40_000) + "policy p { deny \"x\" }"
        let (unit, diagnostics) = Parser.parse(syntaxFile(text))
        #expect(diagnostics.map(\.code) == [.expectedDeclaration])
        #expect(unit.items.count == 1)
    }

    /// Token soup from the language's own vocabulary (a cheap grammar-aware fuzz):
    /// every parse terminates, spans stay in the file, every code is a syntax code,
    /// and trivia-keeping lexing tiles the input exactly.
    @Test(arguments: 0..<8)
    func randomTokenSoup(_ seed: Int) {
        let vocabulary = [
            "policy", "p", "{", "}", "when", "target", "allow", "deny", "limit", "let", "=", "default",
            "policyset", "and", "or", "not", "in", "like", "matches", "has", "any", "all", ":", "(", ")",
            "[", "]", ",", ".", "..", "-", "==", "<", ">=", "\"s\"", "\"", "/re/i", "/", "1h30m", "3w", "08:00",
            "25:00", "10.0.0.0/8", "1.2.3.256", "::1", "fe80::", "schedule", "mon", "42", "99999999999999999999",
            "#c\n", "\n", " ", "§", "token_lifetime", "description", "report_only", "subject", "x",
        ]
        var state = UInt64(seed) &* 6_364_136_223_846_793_005 &+ 1
        for _ in 0..<200 {
            var pieces: [String] = []
            for _ in 0..<60 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                pieces.append(vocabulary[Int(state >> 33) % vocabulary.count])
            }
            let text = pieces.joined(separator: state & 1 == 0 ? " " : "")
            let file = syntaxFile(text)
            let limit = UInt32(file.bytes.count)
            for d in Parser.parse(file).diagnostics {
                #expect(d.span.end <= limit && d.span.start <= d.span.end)
                #expect(DiagnosticCode.syntaxCodes.contains(d.code), "\(d.code.id)")
                #expect(!d.message.isEmpty)
            }
            var position: UInt32 = 0
            for token in Lexer.tokenize(file, keepTrivia: true) {
                #expect(token.start == position)
                position = token.end
            }
            #expect(position == limit)
        }
    }
}
