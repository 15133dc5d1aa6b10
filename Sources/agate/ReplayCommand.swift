import ArgumentParser
import Foundation
import PolicyLanguage
import PolicyVM
import Replay

/// `agate replay`: what would change if these policies shipped.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a decision log against a policy set and report what would change.",
        discussion: """
            Each LOG is a decision log written by `agate serve` (JSONL, optionally gzip-compressed) \
            or a stream of plain requests, one per line; `-` reads standard input. Without --baseline \
            the new answers are compared with the decisions recorded in the log; with it, both policy \
            sets decide every request. Exit status: 0 done, 1 --fail-on tripped, 2 usage or I/O error.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Option(name: .long, help: "The candidate policy set: a file or a folder of *.agate files.")
    var policies: [String]

    @Option(name: .long, help: "Compare with this policy set instead of the recorded decisions.")
    var baseline: [String] = []

    @Argument(help: "Decision logs or request streams (`-` for standard input).")
    var logs: [String]

    @Option(name: .long, help: "Report format: text or json.")
    var format: Format = .text

    @Option(name: .customLong("fail-on"),
            help: "Exit 1 when changes of these kinds occur: allow-to-deny, deny-to-allow, controls, any.")
    var failOn: String?

    @Option(name: .long, help: "Changes tolerated before --fail-on trips (all listed kinds together).")
    var max: Int = 0

    @Option(name: .long, help: "Rows in each breakdown (blueprint, audience, subject).")
    var top: Int = 10

    @Option(name: .long, help: "Full examples shown per kind of change.")
    var examples: Int = 3

    @Option(name: .long, help: "Worker threads (default: every core).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .long, help: "The clock (RFC 3339) for plain requests that carry no time (default: now).")
    var now: String?

    @Flag(name: .long, help: "Stop at the first unreadable line (exit 2).")
    var strict = false

    @Flag(name: .long, help: "No progress bar, even on a terminal.")
    var quiet = false

    /// Usage mistakes exit 2 (ArgumentParser's own would exit 64), like every agate command.
    func validate() throws {
        if max < 0 { Self.usage("--max must be zero or more") }
        if top < 0 { Self.usage("--top must be zero or more") }
        if examples < 0 { Self.usage("--examples must be zero or more") }
        if jobs < 1 { Self.usage("--jobs must be at least 1") }
        if logs.filter({ $0 == "-" }).count > 1 { Self.usage("`-` (standard input) may be given only once") }
    }

    func run() throws {
        let gate = try parseFailOn()
        let clock = try parseNow()
        let candidate = load(policies, role: "--policies")
        let old = baseline.isEmpty ? nil : load(baseline, role: "--baseline")
        let configuration = ReplayConfiguration(policies: candidate, baseline: old, logs: logs, now: clock,
                                                jobs: jobs, examplesPerKind: examples, strict: strict)
        let showProgress = !quiet && isatty(STDERR_FILENO) == 1
        let report: ReplayReport
        do {
            let draw: ((ReplayProgress) -> Void)? = showProgress ? { Self.drawProgress($0) } : nil
            report = try ReplayRunner.run(configuration, progress: draw)
        } catch {
            if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            switch error {
            case .io(let failure): Self.fail("error: \(failure.description)")
            case .strict(let bad): Self.fail("error: \(bad.log):\(bad.line): \(bad.message) (--strict)")
            }
        }
        if showProgress {
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
            let rate = report.elapsed > 0 ? Double(report.lines) / report.elapsed : 0
            FileHandle.standardError.write(Data(String(format: "replayed %d lines in %.2f s (%.0f lines/s)\n",
                                                       report.lines, report.elapsed, rate).utf8))
        }
        let rendered = format == .json ? JSONReport.render(report, top: top, failOn: gate)
            : TextReport.render(report, top: top, failOn: gate)
        FileHandle.standardOutput.write(Data(rendered.utf8))
        if let gate, gate.trips(report) { throw ExitCode(1) }
    }

    private func parseFailOn() throws -> FailOn? {
        guard let failOn else { return nil }
        switch FailOn.parse(failOn, tolerance: max) {
        case .success(let gate): return gate
        case .failure(let error): Self.usage(error.message)
        }
    }

    private func parseNow() throws -> Int64 {
        guard let now else { return Int64(Date().timeIntervalSince1970) }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let date = formatter.date(from: now) ?? {
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return formatter.date(from: now)
        }() else { Self.usage("--now must be an RFC 3339 timestamp, like 2026-11-20T14:03:00Z") }
        return Int64(date.timeIntervalSince1970.rounded(.down))
    }

    /// Loads a policy set or exits 2 with its diagnostics.
    private func load(_ paths: [String], role: String) -> CompiledPolicySet {
        switch PolicySetLoader.load(paths: paths) {
        case .compiled(let set, _, _):
            return set
        case .failed(let diagnostics, let sources, let ioErrors):
            var text = ioErrors.map { "error: \($0.description)\n" }.joined()
            let renderer = TextRenderer(color: isatty(STDERR_FILENO) == 1)
            let report = LintReport(sources: sources, diagnostics: diagnostics)
            for diagnostic in diagnostics { text += renderer.render(diagnostic, in: report) + "\n" }
            Self.fail(text + "error: the \(role) policy set does not compile")
        }
    }

    private static func usage(_ message: String) -> Never {
        fail("error: \(message)\nsee `agate replay --help`")
    }

    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        Foundation.exit(2)
    }

    private static func drawProgress(_ progress: ReplayProgress) {
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + ProgressBar.line(progress)).utf8))
    }
}
