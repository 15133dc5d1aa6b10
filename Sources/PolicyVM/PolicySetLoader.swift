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
    /// Reads, parses, checks (PolicyFrontend) and compiles the policy files and
    /// folders in `paths` as one set.
    public static func load(paths: [String]) -> PolicySetLoad {
        let result = PolicyFrontend.load(paths: paths)
        let ioErrors = result.ioErrors.map { PolicyFileError(path: $0.path, message: $0.message) }
        guard let checked = result.policySet, ioErrors.isEmpty else {
            return .failed(diagnostics: result.diagnostics, sources: result.sources, ioErrors: ioErrors)
        }
        return compile(checked, diagnostics: result.diagnostics)
    }

    /// Checks and compiles policy text held in memory (tests, tools).
    public static func load(text: String, path: String = "policy.agate") -> PolicySetLoad {
        let result = PolicyFrontend.check(text, path: path)
        guard let checked = result.policySet else {
            return .failed(diagnostics: result.diagnostics, sources: result.sources, ioErrors: [])
        }
        return compile(checked, diagnostics: result.diagnostics)
    }

    private static func compile(_ checked: CheckedPolicySet, diagnostics: [Diagnostic]) -> PolicySetLoad {
        do {
            let compiled = try CompiledPolicySet.compile(checked)
            return .compiled(compiled, warnings: diagnostics.filter { $0.severity != .error }, sources: checked.sources)
        } catch {
            return .failed(diagnostics: diagnostics + error.diagnostics, sources: checked.sources, ioErrors: [])
        }
    }
}
