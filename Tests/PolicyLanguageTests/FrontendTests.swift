import Foundation
import PolicyLanguage
import Testing

@Suite("Policy front end")
struct FrontendTests {
    /// A fresh temporary folder with the given files.
    func folder(_ files: [String: String]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("agate-frontend-\(UUID().uuidString)")
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        return root.path
    }

    @Test func foldersAreSearchedRecursivelyAndSorted() throws {
        let root = try folder([
            "b.agate": "policy b { deny \"b\" }",
            "a/z.agate": "policy z { deny \"z\" }",
            "a/notes.txt": "not policy",
        ])
        let result = PolicyFrontend.load(paths: [root])
        #expect(result.ioErrors.isEmpty)
        #expect(result.sources.files.map { String($0.path.dropFirst(root.count)) } == ["/a/z.agate", "/b.agate"])
        #expect(result.policySet?.policies.map(\.name) == ["z", "b"])
    }

    @Test func sameFileTwiceIsReadOnce() throws {
        let root = try folder(["a.agate": "policy a { deny \"a\" }"])
        let result = PolicyFrontend.load(paths: [root + "/a.agate", root, root + "/a.agate"])
        #expect(result.sources.files.count == 1)
        #expect(result.diagnostics.isEmpty)
    }

    @Test func missingPathIsAnIOErrorNotADiagnostic() throws {
        let root = try folder(["a.agate": "policy a { deny \"a\" }"])
        let result = PolicyFrontend.load(paths: [root, root + "/missing.agate"])
        #expect(result.ioErrors == [FrontendIOError(path: root + "/missing.agate", message: "no such file or directory")])
        #expect(result.diagnostics.isEmpty)
        #expect(result.policySet == nil)
    }

    @Test func syntaxErrorsBlockThePolicySet() {
        let result = PolicyFrontend.check("policy p { when ( deny \"x\" }")
        #expect(result.errorCount > 0)
        #expect(result.policySet == nil)
        #expect(!result.diagnostics.contains { $0.code.id == "E0241" })
    }

    @Test func invalidUTF8DoesNotCrash() {
        var sources = SourceSet()
        sources.add(path: "bad.agate", bytes: [0x70, 0xFF, 0xFE, 0x0A] + Array("policy p { deny \"x\" }".utf8))
        let result = PolicyFrontend.check(sources)
        #expect(result.errorCount > 0)
        _ = TextRenderer(color: false).render(LintReport(sources: result.sources, diagnostics: result.diagnostics))
    }

    @Test func diagnosticsAreInReadingOrder() {
        var sources = SourceSet()
        sources.add(path: "a.agate", text: "policy a { when nope2 deny \"x\" }\npolicy b { when nope1 deny \"x\" }")
        sources.add(path: "b.agate", text: "policy c { when nope0 deny \"x\" }")
        let result = PolicyFrontend.check(sources)
        #expect(result.diagnostics.map(\.message) == ["unknown name `nope2`", "unknown name `nope1`", "unknown name `nope0`"])
    }
}
