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
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let old = try Self.put(folder, "old.agate", Self.oldPolicies)
        let new = try Self.put(folder, "new.agate", Self.newPolicies)
        let log = try ServerDecisionLog.write(policies: Self.oldPolicies, requests: (0..<Self.count).map { Shape($0).json },
                                              to: folder.file("decisions.jsonl"))
        let (kinds, causes) = Self.expected()
        #expect(kinds["allow-to-deny"]! > 100 && kinds["deny-to-allow"]! > 100 && kinds["controls"]! > 100)

        let run = try ReplayCLITests.run(["replay", "--policies", new, log, "--format", "json", "--jobs", "2"])
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

        let text = try ReplayCLITests.run(["replay", "--policies", new, log, "--jobs", "1"])
        #expect(text.status == 0)
        let stopped = causes["allow-to-deny finance_reporting_reads stopped_matching"]!
        let blocked = causes["allow-to-deny block_new_countries newly_matched"]!
        #expect(text.stdout.contains("`finance_reporting_reads` stopped allowing \(Self.grouped(stopped)) requests"))
        #expect(text.stdout.contains("`block_new_countries` newly denies \(Self.grouped(blocked)) requests"))

        let allowToDeny = kinds["allow-to-deny"]!
        #expect(try ReplayCLITests.run(["replay", "--policies", new, log, "--fail-on", "allow-to-deny"]).status == 1)
        #expect(try ReplayCLITests.run(["replay", "--policies", new, log, "--fail-on", "allow-to-deny",
                                      "--max", String(allowToDeny)]).status == 0)
        #expect(try ReplayCLITests.run(["replay", "--policies", new, log, "--fail-on", "allow-to-deny,controls",
                                      "--max", String(allowToDeny + kinds["controls"]! - 1)]).status == 1)
        #expect(try ReplayCLITests.run(["replay", "--policies", old, log, "--fail-on", "any"]).status == 0)
        #expect(try ReplayCLITests.run(["replay", "--policies", new, "--baseline", old, log, "--fail-on", "any",
                                      "--max", String(kinds.values.reduce(0, +))]).status == 0)
    }

    @Test func usageAndInputErrorsExitTwo() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let old = try Self.put(folder, "old.agate", Self.oldPolicies)
        let log = try ServerDecisionLog.write(policies: Self.oldPolicies, requests: [Shape(0).json], to: folder.file("d.jsonl"))
        let unknownKind = try ReplayCLITests.run(["replay", "--policies", old, log, "--fail-on", "sideways"])
        #expect(unknownKind.status == 2)
        #expect(unknownKind.stderr.contains("unknown kind of change `sideways`"))
        let missing = try ReplayCLITests.run(["replay", "--policies", old, folder.file("nope.jsonl")])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nope.jsonl: cannot open the log"))
        let broken = try Self.put(folder, "broken.agate", "policy {")
        #expect(try ReplayCLITests.run(["replay", "--policies", broken, log]).status == 2)
        let corrupt = try Self.put(folder, "corrupt.jsonl", "{\"time\":\n")
        let strict = try ReplayCLITests.run(["replay", "--policies", old, corrupt, "--strict"])
        #expect(strict.status == 2)
        #expect(strict.stderr.contains("corrupt.jsonl:1: the line is truncated"))
    }

    @Test func readsGzipFromStandardInput() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        _ = try Self.put(folder, "old.agate", Self.oldPolicies)
        let new = try Self.put(folder, "new.agate", Self.newPolicies)
        let log = try ServerDecisionLog.write(policies: Self.oldPolicies, requests: (0..<Self.count).map { Shape($0).json },
                                              to: folder.file("decisions.jsonl"))
        try ReplayCLITests.tool("/bin/gzip", ["-n", log])
        let zipped = try Data(contentsOf: URL(fileURLWithPath: log + ".gz"))
        let run = try ReplayCLITests.run(["replay", "--policies", new, "-", "--format", "json"], stdin: zipped)
        #expect(run.status == 0, "\(run.stderr)")
        let totals = (try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any])["totals"] as! [String: Int]
        #expect(totals["allow_to_deny"] == Self.expected().kinds["allow-to-deny"])
        #expect(run.stderr.isEmpty, "no progress bar when stderr is not a terminal")
    }

    /// `agate ARGS…` to completion: status, stdout, stderr.
    static func run(_ arguments: [String], stdin: Data? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let done = try AgateBinary.run(arguments, input: stdin, timeout: 120)
        return (done.status, done.output, done.stderr)
    }

    static func put(_ folder: TemporaryDirectory, _ name: String, _ text: String) throws -> String {
        try folder.write(name, text)
        return folder.file(name)
    }

    static func tool(_ path: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
    }

    static func grouped(_ n: Int) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.groupingSeparator = ","
        formatter.usesGroupingSeparator = true
        return formatter.string(from: NSNumber(value: n))!
    }
}

/// A decision log written by the real `agate serve`: the requests are sent over
/// its Unix socket (pipelined, in chunks), then the server is stopped so the log is flushed.
enum ServerDecisionLog {
    static func write(policies: String, requests: [String], to path: String) throws -> String {
        let server = try ServerUnderTest.start(policyFiles: ["policies.agate": policies])
        defer { server.cleanUp() }
        let socket = try RawSocket(path: server.socket)
        defer { socket.close() }
        var answered = 0
        for chunk in stride(from: 0, to: requests.count, by: 250) {
            let end = min(chunk + 250, requests.count)
            let lines = (chunk..<end).map { #"{"id":\#($0),"op":"evaluate","request":\#(requests[$0])}"# + "\n" }
            guard socket.send(lines.joined()) else { throw ServerUnderTest.ServerFailure(message: "send failed") }
            answered += socket.readLines(end - chunk).count
        }
        guard answered == requests.count, server.stop() == 0 else {
            throw ServerUnderTest.ServerFailure(message: "the server answered \(answered) of \(requests.count)")
        }
        try FileManager.default.copyItem(atPath: server.decisionLog, toPath: path)
        return path
    }
}
