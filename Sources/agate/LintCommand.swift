import ArgumentParser
import Foundation
import PolicyLanguage

/// `agate lint`: check policy files and print diagnostics. Exit codes are an API:
/// 0 clean, 1 errors (or warnings with `--strict`), 2 usage or I/O errors.
struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check policy files and report diagnostics.",
        discussion: "Exit status: 0 no errors, 1 errors (or warnings with --strict), 2 usage or I/O errors."
    )

    enum Format: String, CaseIterable {
        case text, json, sarif, github
    }

    enum ColorChoice: String, CaseIterable {
        case auto, always, never
    }

    @Argument(help: "Policy files or folders (searched recursively for *.agate).")
    var paths: [String] = []

    // Format and colour are parsed here rather than by ArgumentParser so a bad
    // value exits 2 (lint's usage status), not ArgumentParser's 64.
    @Option(name: .customLong("format"), help: "Output format: text, json, sarif or github.")
    var formatName = "text"

    @Flag(help: "Treat warnings as errors for the exit status.")
    var strict = false

    @Option(name: .customLong("max-diagnostics"), help: "Print at most this many diagnostics.")
    var maxDiagnostics = 200

    @Option(name: .customLong("color"), help: "Colour text output: auto (a terminal without NO_COLOR), always or never.")
    var colorName = "auto"

    @Option(help: ArgumentHelp("Print what a diagnostic id means and exit.", valueName: "id"))
    var explain: String?

    var format: Format { Format(rawValue: formatName) ?? .text }
    var color: ColorChoice { ColorChoice(rawValue: colorName) ?? .auto }

    func validate() throws {
        if Format(rawValue: formatName) == nil {
            try usageError("unknown format `\(formatName)`; use text, json, sarif or github")
        }
        if ColorChoice(rawValue: colorName) == nil {
            try usageError("unknown colour choice `\(colorName)`; use auto, always or never")
        }
        if maxDiagnostics < 0 { try usageError("--max-diagnostics must be 0 or more") }
    }

    private func usageError(_ message: String) throws -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        throw ExitCode(2)
    }

    func run() throws {
        if let explain {
            try printExplanation(explain)
            return
        }
        let result = PolicyFrontend.load(paths: paths.isEmpty ? ["policies/"] : paths)
        for failure in result.ioErrors {
            FileHandle.standardError.write(Data("error: cannot read `\(failure.path)`: \(failure.message)\n".utf8))
        }
        let report = LintReport(sources: result.sources, diagnostics: result.diagnostics, limit: maxDiagnostics)
        FileHandle.standardOutput.write(Data(render(report).utf8))
        if !result.ioErrors.isEmpty { throw ExitCode(2) }
        if report.errors > 0 || (strict && report.warnings > 0) { throw ExitCode(1) }
    }

    private func render(_ report: LintReport) -> String {
        switch format {
        case .text: TextRenderer(color: useColor).render(report)
        case .json: JSONRenderer().render(report)
        case .sarif: SARIFRenderer(toolVersion: Agate.configuration.version).render(report)
        case .github: GitHubRenderer().render(report)
        }
    }

    private var useColor: Bool {
        switch color {
        case .always: true
        case .never: false
        case .auto: isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
        }
    }

    private func printExplanation(_ id: String) throws {
        guard let code = DiagnosticCode.named(id) else {
            FileHandle.standardError.write(Data("error: unknown diagnostic id `\(id)`\n".utf8))
            throw ExitCode(2)
        }
        print("\(code.id) (\(code.severity.rawValue), \(code.name)): \(code.summary)")
    }
}
