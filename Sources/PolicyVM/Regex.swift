import CPCRE2
import PolicyLanguage

/// Work bounds for every `matches`: exceeding them is a `regex_limit` error
/// (fail closed). The reference evaluator uses the same numbers.
public enum RegexLimits {
    /// PCRE2 match limit (backtracking steps); honoured under JIT.
    public static let matchLimit: UInt32 = 100_000
    /// PCRE2 heap limit in KiB.
    public static let heapLimitKiB: UInt32 = 1024
    /// PCRE2 options for a pattern's flags (`imsx`); patterns are UTF-8.
    public static func options(flags: String) -> UInt32 {
        var options = UInt32(PCRE2_UTF)
        for flag in flags {
            switch flag {
            case "i": options |= UInt32(PCRE2_CASELESS)
            case "m": options |= UInt32(PCRE2_MULTILINE)
            case "s": options |= UInt32(PCRE2_DOTALL)
            case "x": options |= UInt32(PCRE2_EXTENDED)
            default: break
            }
        }
        return options
    }
}

/// The outcome of one regex match.
enum RegexResult: UInt8 { case matched, notMatched, limit }

/// Precompiled (and JIT-compiled) PCRE2 patterns, shared by every thread. PCRE2
/// code is read-only during matching, so sharing it is safe; each evaluator
/// brings its own match data.
final class RegexTable: @unchecked Sendable {
    private(set) var codes: [OpaquePointer] = []
    let context: OpaquePointer?

    init() {
        context = pcre2_match_context_create_8(nil)
        if let context {
            pcre2_set_match_limit_8(context, RegexLimits.matchLimit)
            pcre2_set_heap_limit_8(context, RegexLimits.heapLimitKiB)
        }
    }

    deinit {
        for code in codes { pcre2_code_free_8(code) }
        if let context { pcre2_match_context_free_8(context) }
    }

    /// Compiles a pattern; returns its index, or PCRE2's message on failure
    /// (the checker has already validated it, so this only fails on resource limits).
    func add(_ regex: RegexLiteral) -> Result<Int, RegexCompileFailure> {
        var errorCode: Int32 = 0
        var errorOffset = 0
        let bytes = Array(regex.pattern.utf8)
        let code = bytes.withUnsafeBufferPointer {
            pcre2_compile_8($0.baseAddress, $0.count, RegexLimits.options(flags: regex.flags),
                            &errorCode, &errorOffset, nil)
        }
        guard let code else {
            var message = [UInt8](repeating: 0, count: 256)
            let length = pcre2_get_error_message_8(errorCode, &message, message.count)
            return .failure(RegexCompileFailure(message: String(decoding: message.prefix(max(0, Int(length))),
                                                                as: UTF8.self)))
        }
        _ = pcre2_jit_compile_8(code, UInt32(PCRE2_JIT_COMPLETE))
        codes.append(code)
        return .success(codes.count - 1)
    }

    /// Matches anywhere in `subject` (valid UTF-8, checked by the decoder).
    @inline(__always)
    func match(_ index: Int, _ subject: UnsafeBufferPointer<UInt8>, data: OpaquePointer) -> RegexResult {
        // An empty buffer may have a nil base; PCRE2 accepts any pointer for length 0.
        let base = subject.baseAddress ?? RegexTable.emptySubject
        let rc = pcre2_match_8(codes[index], base, subject.count, 0, UInt32(PCRE2_NO_UTF_CHECK), data, context)
        if rc >= 0 { return .matched }
        if rc == PCRE2_ERROR_NOMATCH { return .notMatched }
        return .limit
    }

    nonisolated(unsafe) private static let emptySubject: UnsafePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafePointer(p)
    }()
}

/// A pattern PCRE2 refused.
struct RegexCompileFailure: Error {
    var message: String
}

/// Per-evaluator PCRE2 match data (one ovector pair is enough: only "did it match" matters).
final class RegexScratch {
    let data: OpaquePointer

    init() {
        guard let data = pcre2_match_data_create_8(1, nil) else { fatalError("PCRE2 could not allocate match data") }
        self.data = data
    }

    deinit { pcre2_match_data_free_8(data) }
}
