import Foundation

/// Policies and requests shared by the `agate serve` end-to-end tests.
enum ServeFixtures {
    static let policySet = """
    policyset "serve-tests"
    default deny

    let corp_network = [10.0.0.0/8, 192.168.10.0/24]

    policy block_high_risk {
      when risk.level >= high
      deny "risk is high"
    }

    policy agents_read_reports {
      target subject.kind == agent
      when location.ip in corp_network
      allow {
        token_lifetime 15m
        scopes ["Reports.Read", "Invoices.Read"]
      }
    }

    policy watch_delegation report_only {
      when delegation.depth > 1
      deny "delegation chain longer than one hop"
    }
    """

    /// The same set with one more policy: a different hash.
    static let revisedPolicySet = policySet + """

    policy short_tokens {
      when subject.kind == agent
      limit { token_lifetime 5m }
    }
    """

    /// Does not check: an unknown signal.
    static let brokenPolicySet = """
    policyset "serve-tests"
    default deny

    policy broken {
      when subject.nonexistent == "x"
      deny "never"
    }
    """

    /// Requests with explicit times, so answers do not depend on the clock.
    static let requests: [String] = {
        var requests: [String] = []
        let ips = ["10.1.2.3", "192.168.10.7", "203.0.113.9"]
        let kinds = ["agent", "user", "workload"]
        let risks = ["none", "low", "high"]
        for index in 0..<27 {
            let ip = ips[index % 3]
            let kind = kinds[(index / 3) % 3]
            let risk = risks[(index / 9) % 3]
            let delegation = index % 4 == 0
                ? #","on_behalf_of":[{"id":"u-1","kind":"user"},{"id":"a-2","kind":"agent"}]"#
                : ""
            requests.append(
                #"{"subject":{"id":"agent-\#(index)","kind":"\#(kind)"},"audience":"https://finance.contoso.com","#
                + #""scopes":["Reports.Read","Files.Write"],"location":{"ip":"\#(ip)","country":"GB"},"#
                + #""time":"2026-03-02T10:00:00Z","risk":{"level":"\#(risk)","score":10}\#(delegation)}"#
            )
        }
        // Fail-closed cases: wrong types and a missing required field.
        requests.append(#"{"subject":{"id":7,"kind":"agent"},"audience":"a","location":{"ip":"10.0.0.1"},"time":"2026-03-02T10:00:00Z"}"#)
        requests.append(#"{"subject":{"id":"x","kind":"agent"},"audience":"a","time":"2026-03-02T10:00:00Z"}"#)
        requests.append(#"{"subject":{"id":"x","kind":"robot"},"audience":"a","location":{"ip":"10.0.0.1"},"time":"2026-03-02T10:00:00Z"}"#)
        requests.append(#"[1,2,3]"#)
        return requests
    }()

    /// `{"id":…,REST}` → `{REST}`: the answer without its id, as `agate eval` prints it.
    static func withoutID(_ answer: String) -> String {
        guard answer.hasPrefix(#"{"id":"#), let comma = answer.firstIndex(of: ",") else { return answer }
        return "{" + answer[answer.index(after: comma)...]
    }

    /// The value of a top-level string field, e.g. `policyset`.
    static func field(_ name: String, in answer: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any] else { return nil }
        return object[name].map { "\($0)" }
    }

    static func object(_ answer: String) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any]
    }
}
