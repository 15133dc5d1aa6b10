import Foundation
import PolicyLanguage

/// A policy file or folder that could not be read.
public struct PolicyFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}

/// The result of loading a policy set from disk.
public enum PolicySetLoad: Sendable {
    /// Checked and compiled; `warnings` are the checker's non-fatal findings.
    case compiled(CompiledPolicySet, warnings: [Diagnostic], sources: SourceSet)
    /// Errors from the front end or encoding limits of the compiler, or files that could not be read.
    case failed(diagnostics: [Diagnostic], sources: SourceSet, ioErrors: [PolicyFileError])
}

/// Front end and compiler in one call: what `agate eval`, the server and replay use.
public enum PolicySetLoader {
    public static func load(paths: [String]) -> PolicySetLoad {
        let (sources, ioErrors) = readSources(paths: paths)
        guard ioErrors.isEmpty else { return .failed(diagnostics: [], sources: sources, ioErrors: ioErrors) }
        return .failed(diagnostics: [], sources: sources,
                       ioErrors: [PolicyFileError(path: paths.joined(separator: " "),
                                                  message: "the policy checker is not linked into this build yet")])
    }

    /// Reads files and folders (every `*.agate` inside, recursively) sorted by path.
    static func readSources(paths: [String]) -> (SourceSet, [PolicyFileError]) {
        var files: [String] = []
        var errors: [PolicyFileError] = []
        let manager = FileManager.default
        for path in paths {
            var isFolder: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isFolder) else {
                errors.append(PolicyFileError(path: path, message: "no such file or folder"))
                continue
            }
            if isFolder.boolValue {
                let found = (manager.enumerator(atPath: path)?.allObjects as? [String] ?? [])
                    .filter { $0.hasSuffix(".agate") }
                    .map { (path as NSString).appendingPathComponent($0) }
                files.append(contentsOf: found)
            } else {
                files.append(path)
            }
        }
        var sources = SourceSet()
        for file in Set(files).sorted() {
            guard let data = manager.contents(atPath: file) else {
                errors.append(PolicyFileError(path: file, message: "cannot read the file"))
                continue
            }
            sources.add(path: file, bytes: Array(data))
        }
        return (sources, errors)
    }
}
