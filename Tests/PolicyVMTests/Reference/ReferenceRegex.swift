import CPCRE2
import PolicyLanguage

/// `matches` through PCRE2 directly: interpreted (no JIT), unanchored search,
/// UTF mode, the same match limit as the VM. Compiled patterns are cached.
final class ReferenceRegex {
    /// Must equal the VM's limit; a match that needs more steps is a `regex_limit` error.
    static let matchLimit: UInt32 = 100_000
    /// Must equal the VM's heap limit (KiB).
    static let heapLimitKiB: UInt32 = 1024

    private var compiled: [RegexLiteral: OpaquePointer] = [:]
    private let matchContext: OpaquePointer

    init() {
        matchContext = pcre2_match_context_create_8(nil)
        pcre2_set_match_limit_8(matchContext, Self.matchLimit)
        pcre2_set_heap_limit_8(matchContext, Self.heapLimitKiB)
    }

    deinit {
        for code in compiled.values { pcre2_code_free_8(code) }
        pcre2_match_context_free_8(matchContext)
    }

    func matches(_ text: String, _ regex: RegexLiteral) throws(ReferenceEvaluator.Failure) -> Bool {
        let code = compile(regex)
        let matchData = pcre2_match_data_create_from_pattern_8(code, nil)
        defer { pcre2_match_data_free_8(matchData) }
        let bytes = Array(text.utf8)
        let rc = bytes.withUnsafeBufferPointer { buffer in
            pcre2_match_8(code, buffer.baseAddress ?? UnsafePointer(bitPattern: 1), buffer.count, 0, 0,
                          matchData, matchContext)
        }
        if rc >= 0 { return true }
        if rc == PCRE2_ERROR_NOMATCH { return false }
        throw .init(code: "regex_limit", message: "the regex `\(regex.pattern)` exceeded the match limit (pcre2 \(rc))")
    }

    private func compile(_ regex: RegexLiteral) -> OpaquePointer {
        if let code = compiled[regex] { return code }
        var options = UInt32(PCRE2_UTF)
        for flag in regex.flags {
            switch flag {
            case "i": options |= UInt32(PCRE2_CASELESS)
            case "m": options |= UInt32(PCRE2_MULTILINE)
            case "s": options |= UInt32(PCRE2_DOTALL)
            case "x": options |= UInt32(PCRE2_EXTENDED)
            default: preconditionFailure("the checker only lets `imsx` through")
            }
        }
        var errorCode: Int32 = 0
        var errorOffset = 0
        let pattern = Array(regex.pattern.utf8)
        let code = pattern.withUnsafeBufferPointer { buffer in
            pcre2_compile_8(buffer.baseAddress ?? UnsafePointer(bitPattern: 1), buffer.count, options,
                            &errorCode, &errorOffset, nil)
        }
        guard let code else { preconditionFailure("the checker compiled `\(regex.pattern)` (error \(errorCode))") }
        compiled[regex] = code
        return code
    }
}
