import Foundation
import PolicyVM
import Testing

/// `agate replay` end to end: the real binary, a decision log of a few thousand
/// requests, a modified policy set; counts, causes and exit codes exact.
@Suite("agate replay (CLI)")
struct ReplayCLITests {
    static let oldPolicies = """
        policyset "contoso-agents"
        default deny

        policy finance_reporting_reads {
          target subject.blueprint == "finance-reporting"
          when risk.level <= medium
          allow { token_lifetime 15m }
        }
        policy support_reads {
          target subject.blueprint == "support-bot"
          allow { token_lifetime 1h }
        }
        policy block_high_risk {
          when risk.level >= high
          deny "risk is high"
        }
        policy watch_blocked_countries report_only {
          when location has country and location.country == "KP"
          deny "country would be blocked"
        }
        """

    /// Finance reads tightened to low risk, support tokens halved, ops agents
    /// newly allowed, one country blocked.
    static let newPolicies = """
        policyset "contoso-agents"
        default deny

        policy finance_reporting_reads {
          target subject.blueprint == "finance-reporting"
          when risk.level <= low
          allow { token_lifetime 15m }
        }
        policy support_reads {
          target subject.blueprint == "support-bot"
          allow { token_lifetime 30m }
        }
        policy ops_reads {
          target subject.blueprint == "ops-agent"
          allow
        }
        policy block_high_risk {
          when risk.level >= high
          deny "risk is high"
        }
        policy block_new_countries {
          when location has country and location.country == "KP"
          deny "country is blocked"
        }
        policy watch_blocked_countries report_only {
          when location has country and location.country == "KP"
          deny "country would be blocked"
        }
        """

    static let blueprints: [String?] = ["finance-reporting", "support-bot", "ops-agent", nil]
    static let levels = ["none", "low", "medium", "high"]
    static let countries: [String?] = ["GB", "DE", "KP", nil]
    static let count = 3000

    /// Request `i`: every combination of blueprint, risk and country, cycled.
    struct Shape {
        var blueprint: String?
        var risk: Int
        var country: String?
        init(_ i: Int) {
            blueprint = ReplayCLITests.blueprints[i % 4]
            risk = (i / 4) % 4
            country = ReplayCLITests.countries[(i / 16) % 4]
        }

        var json: String {
            var subject = #""id":"agent-\#(risk)-\#(blueprint ?? "none")","kind":"agent""#
            if let blueprint { subject += #","blueprint":"\#(blueprint)""# }
            var location = #""ip":"10.1.2.3""#
            if let country { location += #","country":"\#(country)""# }
            return #"{"subject":{\#(subject)},"audience":"https://finance.contoso.com","scopes":["Reports.Read"],"#
                + #""location":{\#(location)},"time":"2026-11-20T14:03:00Z","risk":{"level":"\#(ReplayCLITests.levels[risk])"}}"#
        }

        /// The old and new answers by hand: (allow?, policies, lifetime).
        var old: (Bool, [String], Int?) {
            if risk == 3 { return (false, ["block_high_risk"], nil) }
            if blueprint == "finance-reporting" && risk <= 2 { return (true, ["finance_reporting_reads"], 900) }
            if blueprint == "support-bot" { return (true, ["support_reads"], 3600) }
            return (false, [], nil)
        }

        var new: (Bool, [String], Int?) {
            let denies = (risk == 3 ? ["block_high_risk"] : []) + (country == "KP" ? ["block_new_countries"] : [])
            if !denies.isEmpty { return (false, denies, nil) }
            if blueprint == "finance-reporting" && risk <= 1 { return (true, ["finance_reporting_reads"], 900) }
            if blueprint == "support-bot" { return (true, ["support_reads"], 1800) }
            if blueprint == "ops-agent" { return (true, ["ops_reads"], nil) }
            return (false, [], nil)
        }
    }

    /// Expected counts per kind and per (kind, policy, change), computed from the shapes alone.
    static func expected() -> (kinds: [String: Int], causes: [String: Int]) {
        var kinds: [String: Int] = [:]
        var causes: [String: Int] = [:]
        for i in 0..<count {
            let shape = Shape(i)
            let (oldAllow, oldPolicies, oldLifetime) = shape.old
            let (newAllow, newPolicies, newLifetime) = shape.new
            let kind: String
            switch (oldAllow, newAllow) {
            case (true, false): kind = "allow-to-deny"
            case (false, true): kind = "deny-to-allow"
            case (true, true) where oldLifetime != newLifetime: kind = "controls"
            default: continue
            }
            kinds[kind, default: 0] += 1
            let newly = newPolicies.filter { !oldPolicies.contains($0) }
            let stopped = oldPolicies.filter { !newPolicies.contains($0) }
            for p in newly { causes["\(kind) \(p) newly_matched", default: 0] += 1 }
            for p in stopped { causes["\(kind) \(p) stopped_matching", default: 0] += 1 }
            if kind == "controls" && newly.isEmpty && stopped.isEmpty {
                for p in newPolicies { causes["\(kind) \(p) still_matching", default: 0] += 1 }
            }
        }
        return (kinds, causes)
    }

    @Test func aModifiedPolicySetReportsExactCountsCausesAndExitCodes() throws {
        let folder = try ReplayScratch()
        let old = try folder.write("old.agate", Self.oldPolicies)
        let new = try folder.write("new.agate", Self.newPolicies)
        let log = try ReplayLogWriter.write(policies: old, requests: (0..<Self.count).map { Shape($0).json },
                                              to: folder.path("decisions.jsonl"))
        let (kinds, causes) = Self.expected()
        #expect(kinds["allow-to-deny"]! > 100 && kinds["deny-to-allow"]! > 100 && kinds["controls"]! > 100)

        let run = try ReplayCLIProcess.run(["replay", "--policies", new, log, "--format", "json", "--jobs", "2"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        let totals = report["totals"] as! [String: Int]
        #expect(totals["requests"] == Self.count)
        #expect(totals["unreadable"] == 0)
        #expect(totals["allow_to_deny"] == kinds["allow-to-deny"])
        #expect(totals["deny_to_allow"] == kinds["deny-to-allow"])
        #expect(totals["controls"] == kinds["controls"])
        #expect(totals["unchanged"] == Self.count - kinds.values.reduce(0, +))
        #expect((report["controls"] as! [String: Int])["token_lifetime"] == kinds["controls"])
        var found: [String: Int] = [:]
        for cause in report["causes"] as! [[String: Any]] {
            found["\(cause["kind"]!) \(cause["policy"]!) \(cause["change"]!)"] = cause["count"] as? Int
        }
        #expect(found == causes)
        let reportOnly = report["report_only"] as! [[String: Any]]
        let kp = (0..<Self.count).filter { Shape($0).country == "KP" }.count
        #expect(reportOnly.count == 1)
        #expect(reportOnly.first?["new"] as? Int == kp && reportOnly.first?["old"] as? Int == kp)

        let text = try ReplayCLIProcess.run(["replay", "--policies", new, log, "--jobs", "1"])
        #expect(text.status == 0)
        let stopped = causes["allow-to-deny finance_reporting_reads stopped_matching"]!
        let blocked = causes["allow-to-deny block_new_countries newly_matched"]!
        #expect(text.stdout.contains("`finance_reporting_reads` stopped allowing \(Self.grouped(stopped)) requests"))
        #expect(text.stdout.contains("`block_new_countries` newly denies \(Self.grouped(blocked)) requests"))

        let allowToDeny = kinds["allow-to-deny"]!
        #expect(try ReplayCLIProcess.run(["replay", "--policies", new, log, "--fail-on", "allow-to-deny"]).status == 1)
        #expect(try ReplayCLIProcess.run(["replay", "--policies", new, log, "--fail-on", "allow-to-deny",
                                      "--max", String(allowToDeny)]).status == 0)
        #expect(try ReplayCLIProcess.run(["replay", "--policies", new, log, "--fail-on", "allow-to-deny,controls",
                                      "--max", String(allowToDeny + kinds["controls"]! - 1)]).status == 1)
        #expect(try ReplayCLIProcess.run(["replay", "--policies", old, log, "--fail-on", "any"]).status == 0)
        #expect(try ReplayCLIProcess.run(["replay", "--policies", new, "--baseline", old, log, "--fail-on", "any",
                                      "--max", String(kinds.values.reduce(0, +))]).status == 0)
    }

    @Test func usageAndInputErrorsExitTwo() throws {
        let folder = try ReplayScratch()
        let old = try folder.write("old.agate", Self.oldPolicies)
        let log = try ReplayLogWriter.write(policies: old, requests: [Shape(0).json], to: folder.path("d.jsonl"))
        let unknownKind = try ReplayCLIProcess.run(["replay", "--policies", old, log, "--fail-on", "sideways"])
        #expect(unknownKind.status == 2)
        #expect(unknownKind.stderr.contains("unknown kind of change `sideways`"))
        let missing = try ReplayCLIProcess.run(["replay", "--policies", old, folder.path("nope.jsonl")])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nope.jsonl: cannot open the log"))
        let broken = try folder.write("broken.agate", "policy {")
        #expect(try ReplayCLIProcess.run(["replay", "--policies", broken, log]).status == 2)
        let corrupt = try folder.write("corrupt.jsonl", "{\"time\":\n")
        let strict = try ReplayCLIProcess.run(["replay", "--policies", old, corrupt, "--strict"])
        #expect(strict.status == 2)
        #expect(strict.stderr.contains("corrupt.jsonl:1: the line is truncated"))
    }

    @Test func readsGzipFromStandardInput() throws {
        let folder = try ReplayScratch()
        let old = try folder.write("old.agate", Self.oldPolicies)
        let new = try folder.write("new.agate", Self.newPolicies)
        let log = try ReplayLogWriter.write(policies: old, requests: (0..<Self.count).map { Shape($0).json },
                                              to: folder.path("decisions.jsonl"))
        try ReplayCLIProcess.tool("/bin/gzip", ["-n", log])
        let zipped = try Data(contentsOf: URL(fileURLWithPath: log + ".gz"))
        let run = try ReplayCLIProcess.run(["replay", "--policies", new, "-", "--format", "json"], stdin: zipped)
        #expect(run.status == 0, "\(run.stderr)")
        let totals = (try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any])["totals"] as! [String: Int]
        #expect(totals["allow_to_deny"] == Self.expected().kinds["allow-to-deny"])
        #expect(run.stderr.isEmpty, "no progress bar when stderr is not a terminal")
    }

    static func grouped(_ n: Int) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.groupingSeparator = ","
        formatter.usesGroupingSeparator = true
        return formatter.string(from: NSNumber(value: n))!
    }
}

/// Writes a decision log the way the server does: each request decided by the
/// compiled policies, the evaluator's own answer fields after `time`, `id`, `request`.
enum ReplayLogWriter {
    static func write(policies: String, requests: [String], to path: String) throws -> String {
        guard case .compiled(let set, _, _) = PolicySetLoader.load(paths: [policies]) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        var evaluator = Evaluator(set)
        var out = ""
        var fields: [UInt8] = []
        let now: Int64 = 1_795_183_380
        for (id, request) in requests.enumerated() {
            _ = Array(request.utf8).withUnsafeBytes { evaluator.decide(json: $0, now: now) }
            fields.removeAll(keepingCapacity: true)
            evaluator.writeAnswerFields(into: &fields)
            out += #"{"time":"2026-11-20T14:03:00.250Z","id":\#(id),"request":\#(request),"#
                + String(decoding: fields, as: UTF8.self) + "}\n"
        }
        try Data(out.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// The built `agate` binary, run as a child process.
enum ReplayCLIProcess {
    struct Output { var status: Int32; var stdout: String; var stderr: String }

    static var binary: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/agate").path
    }

    static func run(_ arguments: [String], stdin: Data? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        let feeder = Thread {
            if let stdin { input.fileHandleForWriting.write(stdin) }
            try? input.fileHandleForWriting.close()
        }
        feeder.start()
        let errors = ReplayErrorDrain(err.fileHandleForReading)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: errors.text())
    }

    static func tool(_ path: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
    }
}

/// Reads a pipe on its own thread so a chatty stderr cannot block the child.
final class ReplayErrorDrain: @unchecked Sendable {
    private let condition = NSCondition()
    private var data: Data?

    init(_ handle: FileHandle) {
        Thread { [self] in
            let all = handle.readDataToEndOfFile()
            condition.withLock { data = all; condition.broadcast() }
        }.start()
    }

    func text() -> String {
        condition.withLock {
            while data == nil { condition.wait() }
            return String(decoding: data!, as: UTF8.self)
        }
    }
}

/// A scratch folder for one test, removed afterwards.
final class ReplayScratch {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("agate-replay-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    func write(_ name: String, _ text: String) throws -> String {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }
}
