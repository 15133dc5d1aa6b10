// The whole front end in one call: find files, read bytes, lex, parse, check.
// `agate lint`, the compiler's loaders and the test tools all start here.

import Foundation

/// A file or folder that could not be read; reported apart from diagnostics
/// because it is a usage problem (exit 2), not a finding in the policies.
public struct FrontendIOError: Sendable, Equatable, Error {
    public var path: String
    public var message: String
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
}

/// Everything the front end learned about one policy set.
public struct FrontendResult: Sendable {
    public var sources: SourceSet
    /// Syntax and checker diagnostics, sorted by file and position.
    public var diagnostics: [Diagnostic]
    /// nil when any file failed to read or any error was reported.
    public var policySet: CheckedPolicySet?
    public var ioErrors: [FrontendIOError]

    public var errorCount: Int { diagnostics.count(where: { $0.severity == .error }) }
    public var warningCount: Int { diagnostics.count(where: { $0.severity == .warning }) }
}

/// Loads policy sets from disk or from text.
public enum PolicyFrontend {
    /// Expands `paths` (files, and folders searched recursively for `*.agate`),
    /// reads, parses and checks them as one policy set. Files are sorted by path
    /// and deduplicated, so the result does not depend on argument order.
    public static func load(paths: [String]) -> FrontendResult {
        var ioErrors: [FrontendIOError] = []
        let files = PolicyFileFinder.expand(paths, errors: &ioErrors)
        var sources = SourceSet()
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else {
                ioErrors.append(FrontendIOError(path: path, message: "cannot read file"))
                continue
            }
            sources.add(path: path, bytes: [UInt8](data))
        }
        var result = check(sources)
        result.ioErrors = ioErrors
        if !ioErrors.isEmpty { result.policySet = nil }
        return result
    }

    /// Parses and checks one source text as a whole policy set (tests, tools).
    public static func check(_ text: String, path: String = "policy.agate") -> FrontendResult {
        var sources = SourceSet()
        sources.add(path: path, text: text)
        return check(sources)
    }

    /// Parses and checks files already in memory.
    public static func check(_ sources: SourceSet) -> FrontendResult {
        var units: [SourceUnit] = []
        var syntax: [Diagnostic] = []
        for file in sources.files {
            let parsed = Parser.parse(file)
            units.append(parsed.unit)
            syntax += parsed.diagnostics
        }
        let syntaxErrors = syntax.filter { $0.severity == .error }.map(\.span)
        let checked = Checker.check(units, sources: sources, syntaxErrors: syntaxErrors)
        // A checker error whose span covers a syntax error is a cascade of it
        // (the parser's recovery tree), not a second mistake: drop it.
        let index = SpanIndex(syntaxErrors)
        let semantic = checked.diagnostics.filter { !($0.severity == .error && index.hasStart(within: $0.span)) }
        let diagnostics = (syntax + semantic).sortedForReading()
        let policySet = syntaxErrors.isEmpty ? checked.policySet : nil
        return FrontendResult(sources: sources, diagnostics: diagnostics, policySet: policySet, ioErrors: [])
    }
}

extension Array where Element == Diagnostic {
    /// Reading order: file, position, then errors before warnings before notes;
    /// stable, so diagnostics at one spot keep the order they were found in.
    public func sortedForReading() -> [Diagnostic] {
        enumerated().sorted { a, b in
            let x = a.element, y = b.element
            if x.span.file != y.span.file { return x.span.file < y.span.file }
            if x.span.start != y.span.start { return x.span.start < y.span.start }
            if x.severity != y.severity { return x.severity > y.severity }
            return a.offset < b.offset
        }.map(\.element)
    }
}

/// Turns command-line paths into a sorted list of policy files.
enum PolicyFileFinder {
    static func expand(_ paths: [String], errors: inout [FrontendIOError]) -> [String] {
        var found = Set<String>()
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                errors.append(FrontendIOError(path: path, message: "no such file or directory"))
                continue
            }
            if isDirectory.boolValue {
                found.formUnion(policyFiles(under: path, errors: &errors))
            } else {
                found.insert(normalized(path))
            }
        }
        return found.sorted()
    }

    private static func policyFiles(under folder: String, errors: inout [FrontendIOError]) -> [String] {
        // The enumerator does not follow a symlinked root; list its target but
        // keep the user's spelling in the paths it reports.
        let listed = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        guard let enumerator = FileManager.default.enumerator(atPath: listed) else {
            errors.append(FrontendIOError(path: folder, message: "cannot list directory"))
            return []
        }
        var files: [String] = []
        let base = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        while let relative = enumerator.nextObject() as? String {
            guard relative.hasSuffix(".agate") else { continue }
            let full = normalized(base + "/" + relative)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(full)
            }
        }
        return files
    }

    /// `./a/b` → `a/b`, so the same file named two ways is read once and
    /// diagnostics print relative paths as the user typed them.
    private static func normalized(_ path: String) -> String {
        var result = path
        while result.hasPrefix("./"), result.count > 2 { result.removeFirst(2) }
        return result
    }
}
