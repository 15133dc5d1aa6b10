import Crypto
import PolicyLanguage

/// Encoding limits the compiler hit (too many constants, symbols, code words);
/// each is a diagnostic with the span of the construct that overflowed.
public struct CompileError: Error, Sendable {
    public var diagnostics: [Diagnostic]
    public init(diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
}

/// A policy set compiled to bytecode: immutable, shared by every worker thread.
/// Each thread decides with its own `Evaluator`.
public final class CompiledPolicySet: Sendable {
    public let name: String
    /// `sha256:<hex>` over the sources: for each file in path order, the path's
    /// UTF-8 bytes, a NUL, the byte count (8 bytes little-endian) and the bytes.
    public let hash: String
    let program: Program
    /// `hash` as a JSON string, for the answer writer.
    let hashJSON: [UInt8]
    /// The sources, for explain's locations.
    let sources: SourceSet

    init(name: String, hash: String, program: Program, sources: SourceSet) {
        self.name = name
        self.sources = sources
        self.hash = hash
        self.program = program
        hashJSON = Compiler.jsonString(hash)
    }

    /// Every policy of the set, disabled ones included (they are never evaluated).
    public var policyCount: Int { program.policies.count }

    public func policyName(_ index: Int) -> String { program.policies[index].name }

    /// Compiles a checked policy set; fails only on encoding limits.
    public static func compile(_ checked: CheckedPolicySet) throws(CompileError) -> CompiledPolicySet {
        try compile(checked, indexLayout: .automatic)
    }

    /// `compile` with the index's layout chosen (tests run both).
    static func compile(_ checked: CheckedPolicySet, indexLayout: PolicyIndex.Layout) throws(CompileError)
        -> CompiledPolicySet {
        let program = try Compiler.compile(checked, indexLayout: indexLayout)
        return CompiledPolicySet(name: checked.name, hash: sourceHash(checked.sources), program: program,
                                 sources: checked.sources)
    }

    /// The hash that names a policy set in every answer.
    public static func sourceHash(_ sources: SourceSet) -> String {
        var hasher = SHA256()
        for file in sources.files.sorted(by: { $0.path < $1.path }) {
            hasher.update(data: Array(file.path.utf8))
            hasher.update(data: [0])
            withUnsafeBytes(of: UInt64(file.bytes.count).littleEndian) { hasher.update(bufferPointer: $0) }
            hasher.update(data: file.bytes)
        }
        let digest = hasher.finalize()
        let hex = digest.map { byte -> String in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
        return "sha256:" + hex
    }
}
