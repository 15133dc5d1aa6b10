import Testing
@testable import PolicyVM

@Suite struct GlobTests {
    func like(_ text: String, _ pattern: String) -> Bool {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { Glob(pattern).matches(UnsafeBufferPointer($0)) }
    }

    @Test(arguments: [
        ("readonly-reports", "readonly-*", true), ("readonly-", "readonly-*", true), ("read", "readonly-*", false),
        ("abc", "*", true), ("", "*", true), ("", "", true), ("a", "", false),
        ("Files.WriteAll", "*.Write*", true), ("Files.Read", "*.Write*", false),
        ("a*b", #"a\*b"#, true), ("axb", #"a\*b"#, false),
        ("aaa", "a*a*a", true), ("aa", "a*a*a", false), ("mississippi", "m*iss*ppi", true),
        ("x.contoso.com", "*.contoso.com", true), ("contoso.com", "*.contoso.com", false),
        ("Reports", "reports", false), ("é-x", "é-*", true),
    ])
    func matches(_ text: String, _ pattern: String, _ expected: Bool) {
        #expect(like(text, pattern) == expected)
    }

    @Test func pathologicalPatternsStayFast() {
        let text = String(repeating: "a", count: 4096)
        #expect(!like(text, String(repeating: "*a", count: 50) + "b"))
    }
}
