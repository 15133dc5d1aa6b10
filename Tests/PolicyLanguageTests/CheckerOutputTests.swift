import PolicyLanguage
import Testing

@Suite("Checked policy set")
struct CheckerOutputTests {
    @Test func letsAreInlinedAsConstants() throws {
        let set = try #require(PolicyFrontend.check("""
        let corp = [10.0.0.0/8, 192.168.1.7]
        policy p { when location.ip in corp deny "outside" }
        """).policySet)
        let condition = try #require(set.policies.first?.condition)
        guard case .member(let element, let container, negated: false) = condition.kind,
              case .signal(.locationIP) = element.kind,
              case .constant(.set(let values, elementType: .cidr)) = container.kind else {
            Issue.record("unexpected \(condition.kind)")
            return
        }
        #expect(values.count == 2)
        #expect(container.type == .set(.cidr))
    }

    @Test func policiesInFileThenSourceOrder() throws {
        var sources = SourceSet()
        sources.add(path: "a.agate", text: "policy z { deny \"1\" }\npolicy y { deny \"2\" }")
        sources.add(path: "b.agate", text: "policy a { deny \"3\" }")
        let set = try #require(PolicyFrontend.check(sources).policySet)
        #expect(set.policies.map(\.name) == ["z", "y", "a"])
    }

    @Test func setNameDefaultsToFolderOrFile() throws {
        var folder = SourceSet()
        folder.add(path: "policies/a.agate", text: "policy a { deny \"1\" }")
        folder.add(path: "policies/sub/b.agate", text: "policy b { deny \"2\" }")
        #expect(try #require(PolicyFrontend.check(folder).policySet).name == "policies")
        #expect(try #require(PolicyFrontend.check("policy a { deny \"1\" }", path: "x/baseline.agate").policySet).name == "baseline")
        let named = try #require(PolicyFrontend.check("policyset \"corp\"\ndefault allow\npolicy a { deny \"1\" }").policySet)
        #expect(named.name == "corp")
        #expect(named.defaultDecision == .allow)
    }

    @Test func effectsAndControls() throws {
        let set = try #require(PolicyFrontend.check("""
        policy a { allow { token_lifetime 15m scopes ["R"] require "human_approval" } }
        policy b report_only { limit { require ["x", "y"] } }
        """).policySet)
        guard case .allow(let controls) = set.policies[0].effect else { Issue.record("not allow"); return }
        #expect(controls == Controls(tokenLifetime: 900, scopes: ["R"], require: ["human_approval"]))
        guard case .limit(let limit) = set.policies[1].effect else { Issue.record("not limit"); return }
        #expect(limit.require == ["x", "y"])
        #expect(set.policies[1].mode == .reportOnly)
    }

    @Test func scheduleAndQuantifierSlots() throws {
        let set = try #require(PolicyFrontend.check("""
        let hours = schedule mon..wed, fri 08:00..24:00 "Europe/London"
        policy p { when time in hours and any s in scopes: all g in subject.groups: s == g deny "x" }
        """).policySet)
        guard case .and(let parts) = set.policies[0].condition?.kind,
              case .inSchedule(_, let schedule) = parts[0].kind,
              case .quantified(.any, slot: 0, _, let body) = parts[1].kind,
              case .quantified(.all, slot: 1, _, _) = body.kind else {
            Issue.record("unexpected shape")
            return
        }
        #expect(schedule == Schedule(weekdays: 0b0010_1110, start: 28_800, end: 86_400, zone: "Europe/London"))
    }

    @Test func multipleWhenClausesAreConjoined() throws {
        let set = try #require(PolicyFrontend.check("policy p { when risk.score > 1 when risk.score < 9 deny \"x\" }").policySet)
        guard case .and(let parts) = set.policies[0].condition?.kind else { Issue.record("not and"); return }
        #expect(parts.count == 2)
    }

    @Test func bundledPoliciesAreClean() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("policies").path
        let result = PolicyFrontend.load(paths: [root])
        #expect(result.ioErrors.isEmpty)
        #expect(result.diagnostics.filter { $0.severity != .note }.map { "\($0.code.id) \($0.message)" } == [])
        let set = try #require(result.policySet)
        #expect(set.policies.count >= 10)
        #expect(set.policies.allSatisfy { $0.description != nil })
        #expect(set.name == "contoso-agents")
    }
}

import Foundation
