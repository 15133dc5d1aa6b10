import ArgumentParser
import Foundation
import Glibc

extension Agate {
    /// Exit codes are an API: every usage error — including the ones
    /// ArgumentParser finds itself (unknown flag, missing option), which it
    /// would report as 64 — exits 2, as the command table in the README says.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                let message = fullMessage(for: error)
                if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
                Glibc.exit(2)
            }
            exit(withError: error)
        }
    }
}
