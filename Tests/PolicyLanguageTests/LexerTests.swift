import Testing
@testable import PolicyLanguage

/// Kinds and texts of the non-trivia tokens of `text`, end of file left out.
func lexed(_ text: String) -> [String] {
    let file = syntaxFile(text)
    return Lexer.tokenize(file).dropLast().map { token in
        let body = file.text(of: token.span(in: file.id))
        return token.kind == .error ? "error(\(token.issue!.error)):\(body)" : "\(token.kind):\(body)"
    }
}

@Suite struct LexerTests {
    static let cases: [(String, [String])] = [
        ("policy p", ["kwPolicy:policy", "identifier:p"]),
        ("report_only reportonly", ["kwReportOnly:report_only", "identifier:reportonly"]),
        ("policyset policysets", ["kwPolicyset:policyset", "identifier:policysets"]),
        ("== != <= >= < > = - . .. , :", [
            "equalEqual:==", "bangEqual:!=", "lessEqual:<=", "greaterEqual:>=", "less:<", "greater:>",
            "equal:=", "minus:-", "dot:.", "dotDot:..", "comma:,", "colon::",
        ]),
        ("( ) [ ] { }", ["leftParen:(", "rightParen:)", "leftBracket:[", "rightBracket:]",
                         "leftBrace:{", "rightBrace:}"]),
        ("42 1_000 0", ["integer:42", "integer:1_000", "integer:0"]),
        ("90s 15m 1h30m 30d 1d2h3m4s", ["duration:90s", "duration:15m", "duration:1h30m", "duration:30d",
                                        "duration:1d2h3m4s"]),
        ("08:00 23:59:59 24:00", ["timeOfDay:08:00", "timeOfDay:23:59:59", "timeOfDay:24:00"]),
        ("08:00..18:00", ["timeOfDay:08:00", "dotDot:..", "timeOfDay:18:00"]),
        ("mon..fri", ["identifier:mon", "dotDot:..", "identifier:fri"]),
        ("10.1.2.3 10.0.0.0/8", ["ipv4:10.1.2.3", "cidr:10.0.0.0/8"]),
        ("2001:db8::1 fe80::1 ::1 ::", ["ipv6:2001:db8::1", "ipv6:fe80::1", "ipv6:::1", "ipv6:::"]),
        ("::ffff:1.2.3.4 2001:db8::/48", ["ipv6:::ffff:1.2.3.4", "cidr:2001:db8::/48"]),
        ("1:2:3:4:5:6:7:8", ["ipv6:1:2:3:4:5:6:7:8"]),
        ("dead:beef::", ["ipv6:dead:beef::"]),
        ("any s in scopes: s", ["kwAny:any", "identifier:s", "kwIn:in", "identifier:scopes", "colon::",
                                "identifier:s"]),
        ("any c in cafe: c", ["kwAny:any", "identifier:c", "kwIn:in", "identifier:cafe", "colon::",
                              "identifier:c"]),
        ("any a in b:c", ["kwAny:any", "identifier:a", "kwIn:in", "identifier:b", "colon::", "identifier:c"]),
        ("deadline default", ["identifier:deadline", "kwDefault:default"]),
        ("\"a\\\"b\" \"\"", ["string:\"a\\\"b\"", "string:\"\""]),
        ("\"é ✓ \\u{1F600}\"", ["string:\"é ✓ \\u{1F600}\""]),
        (#"/a\/b/i /x/ //"#, [#"regex:/a\/b/i"#, "regex:/x/", "regex://"]),
        ("subject.attributes.x", ["identifier:subject", "dot:.", "identifier:attributes", "dot:.",
                                  "identifier:x"]),
        ("a-b", ["identifier:a", "minus:-", "identifier:b"]),
        ("a # comment\nb", ["identifier:a", "identifier:b"]),
        ("3w", ["error(invalidDuration):3w"]),
        ("1__0 1_", ["error(invalidNumber):1__0", "error(invalidNumber):1_"]),
        ("8:00 24:01 12:60", ["error(invalidTime):8:00", "error(invalidTime):24:01", "error(invalidTime):12:60"]),
        ("1.2.3 01.2.3.4 1.2.3.4.5", ["error(invalidIPAddress):1.2.3", "error(invalidIPAddress):01.2.3.4",
                                      "error(invalidIPAddress):1.2.3.4.5"]),
        ("1.2.3.4/33", ["error(invalidPrefix):1.2.3.4/33"]),
        ("1::2::3 fe80::1g 1:2:3:4 ::g", ["error(invalidIPAddress):1::2::3", "error(invalidIPAddress):fe80::1g",
                                         "error(invalidIPAddress):1:2:3:4", "error(invalidIPAddress):::g"]),
        ("1::2::3/8", ["error(invalidIPAddress):1::2::3/8"]),
        ("10:00:00 a:b", ["timeOfDay:10:00:00", "identifier:a", "colon::", "identifier:b"]),
        ("\"abc", ["error(unterminatedString):\"abc"]),
        ("/abc", ["error(unterminatedRegex):/abc"]),
        ("\"a\\q\" x", ["error(invalidEscape):\"a\\q\"", "identifier:x"]),
        ("/a/g", ["error(invalidRegexFlag):/a/g"]),
        ("'agent' x 'open", ["error(unknownCharacter):'agent'", "identifier:x", "error(unknownCharacter):'open"]),
        ("@@ x ! y", ["error(unknownCharacter):@@", "identifier:x", "error(unknownCharacter):!", "identifier:y"]),
    ]

    @Test(arguments: cases)
    func tokenizes(_ text: String, _ expected: [String]) {
        #expect(lexed(text) == expected)
    }

    @Test func triviaTilesTheFileExactly() {
        let text = "policy p { # c\n\twhen a == 1 }\r\n"
        let file = syntaxFile(text)
        let tokens = Lexer.tokenize(file, keepTrivia: true)
        var position: UInt32 = 0
        for token in tokens {
            #expect(token.start == position)
            position = token.end
        }
        #expect(position == UInt32(file.bytes.count))
        #expect(tokens.filter { $0.kind == .comment }.count == 1)
        #expect(tokens.last?.kind == .endOfFile)
    }

    @Test func everyKeywordIsRecognisedAndNothingElse() {
        for (word, kind) in Keywords.all {
            #expect(lexed(word) == ["\(kind):\(word)"])
            #expect(lexed(word + "x") == ["identifier:\(word)x"])
            #expect(kind.spelling == word)
        }
        #expect(Keywords.all.count == TokenKind.allCases.filter(\.isKeyword).count)
    }

    @Test func tokenKindsFitATokenSet() {
        #expect(TokenKind.allCases.count <= 64)
        let set = TokenSet(.kwIn, .endOfFile)
        #expect(set.contains(.kwIn) && set.contains(.endOfFile) && !set.contains(.whitespace))
    }

    @Test func errorTokensCarryAnIssueAndOthersDoNot() {
        let tokens = Lexer.tokenize(syntaxFile("a \"b 3w"))
        for token in tokens {
            #expect((token.kind == .error) == (token.issue != nil))
        }
    }

    @Test func aLeadingByteOrderMarkIsTrivia() {
        let file = SourceFile(id: FileID(0), path: "x", bytes: [0xEF, 0xBB, 0xBF] + Array("let x = 1".utf8))
        #expect(Parser.parse(file).diagnostics.isEmpty)
        #expect(Lexer.tokenize(file, keepTrivia: true).first?.kind == .whitespace)
    }

    @Test func invalidUTF8IsOneErrorTokenPerRun() {
        let file = SourceFile(id: FileID(0), path: "x", bytes: [0x61, 0x20, 0xFF, 0xFE, 0xC0, 0x20, 0x62])
        let kinds = Lexer.tokenize(file).map(\.kind)
        #expect(kinds == [.identifier, .error, .identifier, .endOfFile])
    }

    @Test func overlongAndSurrogateEncodingsAreInvalid() {
        for bytes: [UInt8] in [[0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]] {
            let file = SourceFile(id: FileID(0), path: "x", bytes: [0x22] + bytes + [0x22])
            #expect(Lexer.tokenize(file).first?.issue?.error == .invalidUTF8)
        }
    }
}
