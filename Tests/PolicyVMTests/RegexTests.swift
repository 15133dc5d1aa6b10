import PolicyLanguage
import Testing
@testable import PolicyVM

@Suite struct RegexTests {
    func match(_ text: String, _ pattern: String, _ flags: String = "") -> RegexResult {
        let table = RegexTable()
        guard case .success(let index) = table.add(RegexLiteral(pattern: pattern, flags: flags)) else { return .limit }
        let scratch = RegexScratch()
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { table.match(index, UnsafeBufferPointer($0), data: scratch.data) }
    }

    @Test func searchesAnywhere() {
        #expect(match("Files.WriteAll", #"\.Write(All)?$"#) == .matched)
        #expect(match("Files.Write.x", #"\.Write(All)?$"#) == .notMatched)
        #expect(match("xxabc", "abc") == .matched)
    }

    @Test func flags() {
        #expect(match("FILES.WRITE", #"\.write"#, "i") == .matched)
        #expect(match("a\nb", "^b", "m") == .matched)
        #expect(match("a\nb", "^b") == .notMatched)
        #expect(match("a\nb", "a.b", "s") == .matched)
        #expect(match("ab", "a b # comment", "x") == .matched)
    }

    @Test func emptySubjectAndUTF8() {
        #expect(match("", "^$") == .matched)
        #expect(match("é", "^.$") == .matched)
    }

    @Test func matchLimitIsReported() {
        #expect(match(String(repeating: "a", count: 60) + "!", "^(a|aa)+$") == .limit)
    }
}
