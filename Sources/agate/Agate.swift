import ArgumentParser

/// The `agate` command line: only argument parsing and wiring; the work lives
/// in the library modules.
@main
struct Agate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agate",
        abstract: "Conditional access for AI agents: lint, decide, replay.",
        version: "0.1.0",
        subcommands: [
            LintCommand.self,
            EvalCommand.self,
            TestCommand.self,
            DisasmCommand.self,
            ServeCommand.self,
            BenchServerCommand.self,
            ReplayCommand.self,
            IdentityCommand.self,
            KeysCommand.self,
            TokenCommand.self,
        ]
    )
}
