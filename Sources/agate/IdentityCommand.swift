import ArgumentParser
import Foundation
import Identity

/// `agate identity …`: blueprints, agents, credentials and the audit log.
struct IdentityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Manage blueprints, agent identities, credentials; read the audit log.",
        subcommands: [BlueprintCommand.self, AgentCommand.self, CredentialCommand.self, AuditCommand.self,
                      DemoCommand.self]
    )

    // Declared here too so `--db`, `--actor` and `--json` may come before the
    // subcommand (`agate identity --db F agent list`) as well as after it.
    @OptionGroup var store: StoreOptions
}

/// Options every `agate identity` command takes.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The identity store (an SQLite file, created if missing).")
    var db: String

    @Option(name: .long, help: "Who makes the change, for the audit log (default: $USER).")
    var actor: String?

    @Flag(name: .long, help: "Print JSON for scripts.")
    var json = false

    var who: String { actor ?? ProcessInfo.processInfo.environment["USER"] ?? "cli" }

    func open() throws -> IdentityStore {
        do {
            return try IdentityStore(path: db)
        } catch {
            throw CLIFailure("cannot open identity store `\(db)`: \(error)", code: 2)
        }
    }
}

/// An error the CLI reports on stderr before exiting with `code`.
struct CLIFailure: Error, CustomStringConvertible {
    var description: String
    var code: Int32

    init(_ description: String, code: Int32 = 1) {
        self.description = description
        self.code = code
    }
}

enum CLI {
    /// Runs a command body, turning errors into a one-line message and an exit code.
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let failure as CLIFailure {
            printError(failure.description)
            throw ExitCode(failure.code)
        } catch let error as IdentityError {
            printError(error.description)
            throw ExitCode(1)
        }
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    }

    static func printJSON<T: Encodable>(_ value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if let data = try? encoder.encode(value) { print(String(decoding: data, as: UTF8.self)) }
    }

    static func readFile(_ path: String) throws -> String {
        if path == "-" {
            return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIFailure("cannot read `\(path)`", code: 2)
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func time(_ seconds: Int64?) -> String {
        guard let seconds else { return "-" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// Parses an RFC 3339 timestamp or a duration from now (`90s`, `15m`, `12h`, `30d`).
    static func instant(_ text: String, now: Int64) throws -> Int64 {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970) }
        return now + (try duration(text))
    }

    static func duration(_ text: String) throws -> Int64 {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[$0] }), let count = Int64(text.dropLast()), count >= 0,
              count <= Int64.max / 86_400 / 2
        else { throw CLIFailure("`\(text)` is not a duration like `90s`, `15m`, `1h` or `30d`", code: 2) }
        return count * unit
    }

    /// Prints rows as aligned columns under a header.
    static func table(_ header: [String], _ rows: [[String]]) {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        for row in all {
            let cells = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            print(cells.joined(separator: "  "))
        }
    }
}

/// `agate identity audit`: the append-only log of every change and token.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Show the audit log, oldest first.")

    @OptionGroup var store: StoreOptions

    @Option(help: "Only events about this record (agent id, blueprint name, or token audience).")
    var target: String?

    @Option(help: "Only the newest N events.")
    var limit: Int?

    func run() throws {
        try CLI.run {
            let events = try store.open().auditEvents(target: target, limit: limit)
            if store.json {
                for event in events { CLI.printJSON(AuditView(event)) }
                return
            }
            CLI.table(["SEQ", "TIME", "ACTOR", "ACTION", "TARGET", "DETAILS"], events.map {
                ["\($0.sequence)", CLI.time($0.time), $0.actor, $0.action, $0.target, $0.details]
            })
        }
    }
}

/// An audit event for `--json`, with its details as an object, not a string.
struct AuditView: Encodable {
    var sequence: Int64
    var time: String
    var actor: String
    var action: String
    var target: String
    var details: [String: AttributeValue]

    init(_ event: AuditEvent) {
        sequence = event.sequence
        time = CLI.time(event.time)
        actor = event.actor
        action = event.action
        target = event.target
        details = (try? JSONDecoder().decode([String: AttributeValue].self, from: Data(event.details.utf8))) ?? [:]
    }
}
