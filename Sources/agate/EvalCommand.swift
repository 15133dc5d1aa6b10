import ArgumentParser
import Foundation
import PolicyLanguage
import PolicyVM

/// `agate eval`: decide one request or a JSONL stream, one answer line each.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Decide one request, or a stream of requests (one JSON object per line).",
        discussion: """
            Prints one answer object per request, in input order. A deny is an answer, not a failure: \
            the exit status is 0 unless --exit-code is given (then 2 when any request is denied). \
            Exit 1 when the policies do not load, 2 when the request file cannot be read.
            """
    )

    @Option(name: .long, help: "A policy file or a folder of *.agate files.")
    var policies: String

    @Option(name: .long, help: "The request file, or - for standard input.")
    var request: String = "-"

    @Flag(name: .long, help: "After each answer, list every candidate policy's tests and whether they held.")
    var explain = false

    @Flag(name: .customLong("exit-code"), help: "Exit 2 when any request is denied.")
    var exitCode = false

    @Option(name: .long, help: "The clock for requests without `time` (RFC 3339); default: now.")
    var now: String?

    func run() throws {
        guard let policySet = PolicyLoading.load(policies) else { throw ExitCode(1) }
        let clock = try resolveNow()
        let input: FileDescriptorReader
        if request == "-" {
            input = FileDescriptorReader(descriptor: 0)
        } else {
            let fd = open(request, O_RDONLY)
            guard fd >= 0 else {
                FileHandle.standardError.write(Data("error: cannot read `\(request)`: \(String(cString: strerror(errno)))\n".utf8))
                throw ExitCode(2)
            }
            input = FileDescriptorReader(descriptor: fd)
        }
        defer { if request != "-" { close(input.descriptor) } }
        var evaluator = Evaluator(policySet)
        var out: [UInt8] = []
        out.reserveCapacity(1 << 20)
        var denied = false
        var splitter = RequestSplitter()
        while let chunk = input.next() {
            splitter.feed(chunk) { record in
                denied = decide(record, &evaluator, clock, &out) == .deny || denied
                if out.count >= 1 << 20 { StandardOutput.write(&out) }
            }
        }
        splitter.finish { record in
            denied = decide(record, &evaluator, clock, &out) == .deny || denied
        }
        StandardOutput.write(&out)
        if exitCode && denied { throw ExitCode(2) }
    }

    private func decide(_ record: UnsafeRawBufferPointer, _ evaluator: inout Evaluator, _ clock: Int64,
                        _ out: inout [UInt8]) -> Outcome {
        if explain {
            let explanation = evaluator.explain(json: record, now: clock)
            out.append(contentsOf: Array(explanation.answer.json().utf8))
            out.append(UInt8(ascii: "\n"))
            out.append(contentsOf: Array(explanation.text().utf8))
            out.append(UInt8(ascii: "\n"))
            return explanation.answer.decision
        }
        let outcome = evaluator.decide(json: record, now: clock)
        out.append(UInt8(ascii: "{"))
        evaluator.writeAnswerFields(into: &out)
        out.append(UInt8(ascii: "}"))
        out.append(UInt8(ascii: "\n"))
        return outcome
    }

    private func resolveNow() throws -> Int64 {
        guard let now else { return Int64(Date().timeIntervalSince1970) }
        guard let seconds = Timestamps.parse(now) else {
            throw ValidationError("--now `\(now)` is not an RFC 3339 timestamp")
        }
        return seconds
    }
}

/// Reads a file descriptor in large chunks into one reused buffer.
final class FileDescriptorReader {
    let descriptor: Int32
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)

    init(descriptor: Int32) { self.descriptor = descriptor }

    /// The next chunk (valid until the next call), or nil at end of input or on error.
    func next() -> ArraySlice<UInt8>? {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return buffer[0..<count]
    }
}

/// Splits a byte stream into requests: one per line, except that a line
/// opening an object that is not closed yet continues on the next lines (so a
/// pretty-printed request file works). A line that begins with `{` and ends
/// with `}` is always a request of its own. Blank lines are skipped. A record is
/// capped at 16 MiB so garbage without newlines cannot exhaust memory.
struct RequestSplitter {
    private var pending: [UInt8] = []
    private var depth = 0
    private var inString = false
    private var escaped = false
    /// The record's first non-blank byte: only a record that opens an object may span lines.
    private var first: UInt8 = 0
    static let recordLimit = 16 << 20

    mutating func feed(_ chunk: ArraySlice<UInt8>, _ emit: (UnsafeRawBufferPointer) -> Void) {
        // Records that lie wholly inside the chunk are emitted in place; only a
        // record cut by the chunk's end is copied. A fresh line that begins
        // with `{` and ends with `}` is one request (the JSONL case): found
        // with memchr, it is not scanned here at all. Other lines go through
        // the brace-and-string scanner, whose state lives in locals for the
        // pass (stored back at the end).
        chunk.withUnsafeBytes { raw in
            guard let bytes = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
            var depth = self.depth, inString = self.inString, escaped = self.escaped, first = self.first
            var recordStart = 0
            var i = 0
            let count = raw.count
            while i < count {
                if pending.isEmpty, first == 0, depth == 0, !inString,
                   let newline = memchr(bytes + i, 0x0A, count - i) {
                    let end = bytes.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                    if RequestSplitter.isWholeObject(bytes, i, end) {
                        emit(UnsafeRawBufferPointer(start: bytes + i, count: end - i))
                        i = end + 1
                        recordStart = i
                        continue
                    }
                }
                let byte = bytes[i]
                i += 1
                if byte == UInt8(ascii: "\n"),
                   depth <= 0 || first != UInt8(ascii: "{")
                    || pending.count + (i - 1 - recordStart) >= RequestSplitter.recordLimit {
                    if pending.isEmpty {
                        emitIfNotBlank(UnsafeRawBufferPointer(rebasing: raw[recordStart..<(i - 1)]), emit)
                    } else {
                        pending.append(contentsOf: raw[recordStart..<(i - 1)])
                        pending.withUnsafeBytes { emitIfNotBlank($0, emit) }
                        pending.removeAll(keepingCapacity: true)
                    }
                    (depth, inString, escaped, first) = (0, false, false, 0)
                    recordStart = i
                    continue
                }
                if inString {
                    if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true }
                    else if byte == UInt8(ascii: "\"") { inString = false }
                    continue
                }
                if first == 0, byte != 0x20, byte != 0x09, byte != 0x0D { first = byte }
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
                default: break
                }
            }
            (self.depth, self.inString, self.escaped, self.first) = (depth, inString, escaped, first)
            pending.append(contentsOf: raw[recordStart..<count])
        }
    }

    /// Whether bytes `start..<end`, less surrounding blanks, begin with `{` and end with `}`.
    private static func isWholeObject(_ bytes: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var a = start, b = end
        while a < b, bytes[a] == 0x20 || bytes[a] == 0x09 || bytes[a] == 0x0D { a += 1 }
        while b > a, bytes[b - 1] == 0x20 || bytes[b - 1] == 0x09 || bytes[b - 1] == 0x0D { b -= 1 }
        return b - a >= 2 && bytes[a] == UInt8(ascii: "{") && bytes[b - 1] == UInt8(ascii: "}")
    }

    mutating func finish(_ emit: (UnsafeRawBufferPointer) -> Void) { flush(emit) }

    private mutating func flush(_ emit: (UnsafeRawBufferPointer) -> Void) {
        pending.withUnsafeBytes { emitIfNotBlank($0, emit) }
        pending.removeAll(keepingCapacity: true)
        reset()
    }

    private mutating func reset() {
        depth = 0
        inString = false
        escaped = false
        first = 0
    }

    private func emitIfNotBlank(_ record: UnsafeRawBufferPointer, _ emit: (UnsafeRawBufferPointer) -> Void) {
        guard record.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
        emit(record)
    }
}

/// Buffered writes to standard output.
enum StandardOutput {
    static func write(_ bytes: inout [UInt8]) {
        var offset = 0
        bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = Foundation.write(1, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
        bytes.removeAll(keepingCapacity: true)
    }
}

/// Loads a policy set for a command, printing diagnostics (`file:line:col:
/// severity[id]: message`) to standard error; nil when it does not load.
enum PolicyLoading {
    static func load(_ path: String) -> CompiledPolicySet? {
        switch PolicySetLoader.load(paths: [path]) {
        case .compiled(let set, let warnings, let sources):
            // Deciding is not linting: one line says warnings exist (the
            // first one in full, so the line is actionable); `agate lint` has them all.
            let shown = warnings.filter { $0.severity == .warning }
            if let first = shown.first {
                report([first], sources)
                if shown.count > 1 {
                    FileHandle.standardError.write(Data(
                        "warning: \(shown.count) warnings in `\(path)` in all; `agate lint \(path)` lists them\n".utf8))
                }
            }
            return set
        case .failed(let diagnostics, let sources, let ioErrors):
            var text = ""
            for error in ioErrors { text += "error: \(error.path): \(error.message)\n" }
            FileHandle.standardError.write(Data(text.utf8))
            report(diagnostics, sources)
            if diagnostics.isEmpty && ioErrors.isEmpty {
                FileHandle.standardError.write(Data("error: the policies in `\(path)` did not load\n".utf8))
            }
            return nil
        }
    }

    static func report(_ diagnostics: [Diagnostic], _ sources: SourceSet) {
        let report = LintReport(sources: sources, diagnostics: diagnostics, limit: 50)
        FileHandle.standardError.write(Data(TextRenderer(color: false).render(report).utf8))
    }
}
