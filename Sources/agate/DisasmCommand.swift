import ArgumentParser
import PolicyVM

/// `agate disasm`: the compiled bytecode, constants, symbols, tables and policy index.
struct DisasmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disasm",
        abstract: "Print the bytecode a policy set compiles to, with its constants, symbols, tables and index."
    )

    @Option(name: .long, help: "A policy file or a folder of *.agate files.")
    var policies: String

    func run() throws {
        guard let policySet = PolicyLoading.load(policies) else { throw ExitCode(1) }
        print(Disassembler.listing(policySet), terminator: "")
    }
}
