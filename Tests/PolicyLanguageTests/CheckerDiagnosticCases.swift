// One case per checker diagnostic: id, message, help and the exact span (marked
// `⟦…⟧` in the source). The catalogue test requires every catalogued id here.

enum CheckerCases {
    static let names: [DiagnosticCase] = [
        .init("E0201", "unknown name `crop`", help: "did you mean `corp`?", """
        let corp = [10.0.0.0/8]
        policy p {
          when location.ip in ⟦crop⟧
          deny "outside"
        }
        """),
        .init("E0202", "`corp` is already defined",
              help: "`let` names are shared by every file of the policy set; rename one of them", """
        let corp = [10.0.0.0/8]
        let ⟦corp⟧ = [192.168.0.0/16]
        policy p { when location.ip in corp deny "outside" }
        """),
        .init("E0203", "unknown signal `subjet.kind`", help: "did you mean `subject.kind`?", """
        policy p {
          when ⟦subjet.kind⟧ == agent
          deny "no"
        }
        """),
        .init("E0204", "`low` is a built-in name and cannot be redefined", help: "choose another name for this `let`", """
        let ⟦low⟧ = 3
        policy p { when risk.score > 3 deny "no" }
        """),
        .init("E0205", "`b` is used before its definition",
              help: "a `let` may only name lets defined before it (earlier in the file, or in an earlier file)", """
        let a = ⟦b⟧
        let b = ["x"]
        policy p { when subject.id in a deny "no" }
        """),
        .init("E0206", "`s` already names an enclosing variable", help: "choose another name so each name means one thing", """
        policy p {
          when any s in scopes: any ⟦s⟧ in subject.groups: s == "x"
          deny "no"
        }
        """),
        .init("E0207", "`context.a.b` is not an attribute path", help: "name exactly one member: `context.NAME`", """
        policy p {
          when ⟦context.a.b⟧ == "x"
          deny "no"
        }
        """),
        .init("E0208", "`subject.kind` is always present", help: "remove the `has` test; only optional signals can be absent", """
        policy p {
          when ⟦subject has kind⟧
          deny "no"
        }
        """),
        .init("E0209", "the value of `let is_agent` is not a constant",
              help: "a `let` names a literal, set, schedule or another `let`; write conditions in `when`", """
        let is_agent = ⟦subject.kind == agent⟧
        policy p { when is_agent deny "no" }
        """),
    ]

    static let types: [DiagnosticCase] = [
        .init("E0210", "cannot compare `int` with `string`", help: nil, """
        policy p {
          when ⟦risk.score == "high"⟧
          deny "no"
        }
        """),
        .init("E0211", "a `when` condition must be a `bool`, found `int`", help: "compare it with something, e.g. `risk.score == …`", """
        policy p {
          when ⟦risk.score⟧
          deny "no"
        }
        """),
        .init("E0212", "`<` cannot compare values of type `string`",
              help: "only int, duration, time of day, weekday, risk level and timestamp are ordered", """
        policy p {
          when ⟦subject.id < "m"⟧
          deny "no"
        }
        """),
        .init("E0213", "cannot test whether `string` is in `schedule`",
              help: "only `time` can be in a schedule: `time in business_hours`", """
        let hours = schedule mon..fri 08:00..18:00 "UTC"
        policy p {
          when ⟦subject.id in hours⟧
          deny "no"
        }
        """),
        .init("E0214", "the type of `context.a` cannot be inferred here",
              help: "compare it with a literal (`context.a == \"x\"`) or test it with `in`", """
        policy p {
          when ⟦context.a⟧ == context.b
          deny "no"
        }
        """),
        .init("E0215", "`context.origin` is used as `ip`, which an attribute cannot hold",
              help: "attributes hold a string, int, bool or set of string", """
        policy p {
          when ⟦context.origin⟧ == location.ip
          deny "no"
        }
        """),
        .init("E0216", "`any` ranges over a set, found `int`", help: "name a set: `any s in scopes: …`", """
        policy p {
          when any s in ⟦risk.score⟧: s == 1
          deny "no"
        }
        """),
        .init("E0217", "a set cannot hold a `set of string`",
              help: "sets hold plain values: strings, numbers, addresses, networks, names", """
        let nested = [⟦["a"]⟧, ["b"]]
        policy p { when subject.id in nested deny "no" }
        """),
        .init("E0218", "`subject` is not a value", help: "read one of its signals, e.g. `subject.id`", """
        policy p {
          when ⟦subject⟧ == "x"
          deny "no"
        }
        """),
    ]

    static let literals: [DiagnosticCase] = [
        .init("E0221", "unknown time zone `Europe/Lodnon`", help: "did you mean `Europe/London`?", """
        let hours = schedule mon..fri 08:00..18:00 ⟦"Europe/Lodnon"⟧
        policy p { when time in hours deny "no" }
        """),
        .init("E0222", "the schedule's range `18:00..08:00` is empty",
              help: "a range is `[start, end)` within one day; split an overnight window into two policies or schedules", """
        let night = schedule mon..fri ⟦18:00..08:00⟧ "UTC"
        policy p { when time in night deny "no" }
        """),
        .init("E0224", "unknown weekday `fir`", help: "did you mean `fri`?", """
        let hours = schedule mon..⟦fir⟧ 08:00..18:00 "UTC"
        policy p { when time in hours deny "no" }
        """),
        .init("E0225", "weekday range `fri..mon` runs backwards",
              help: "ranges run from Monday to Sunday; write `fri..sun, mon`", """
        let hours = schedule ⟦fri..mon⟧ 08:00..18:00 "UTC"
        policy p { when time in hours deny "no" }
        """),
        .init("E0226", "token lifetime `400d` is outside 1s … 365d",
              help: "a token lifetime is at least one second and at most 365 days", """
        policy p {
          allow { token_lifetime ⟦400d⟧ }
        }
        """),
        .init("E0227", "invalid regex: missing closing parenthesis",
              help: "regexes use PCRE2 syntax; escape a literal `/` as `\\/`", """
        policy p {
          when subject.id matches /(abc⟦/⟧
          deny "no"
        }
        """),
        .init("E0229", "a set cannot mix `string` and `int`", help: "every element of a set has the same type", """
        let mixed = ["a", ⟦1⟧]
        policy p { when subject.id in mixed deny "no" }
        """),
    ]

    static let policies: [DiagnosticCase] = [
        .init("E0240", "policy `p` is defined more than once",
              help: "policy names appear in decision logs and must be unique in the policy set", """
        policy p { deny "a" }
        policy ⟦p⟧ { deny "b" }
        """),
        .init("E0241", "policy `p` has no effect", help: "add `allow`, `deny \"reason\"` or `limit { … }`", """
        policy ⟦p⟧ {
          when risk.level == high
        }
        """),
        .init("E0242", "policy `p` has more than one effect",
              help: "a policy has exactly one `allow`, `deny` or `limit`; split it into two policies", """
        policy p {
          deny "a"
          ⟦allow⟧
        }
        """),
        .init("E0243", "a `deny` cannot have controls",
              help: "controls shape what an `allow` grants; put them in a `limit` policy", """
        policy p {
          deny "no" ⟦{ token_lifetime 1h }⟧
        }
        """),
        .init("E0244", "`deny` in policy `p` gives no reason", help: "say why, for the caller and the logs: `deny \"…\"`", """
        policy p {
          when risk.level == high
          ⟦deny⟧
        }
        """),
        .init("E0245", "unknown control `token_lifetme`", help: "did you mean `token_lifetime`?", """
        policy p {
          allow { ⟦token_lifetme⟧ 1h }
        }
        """),
        .init("E0246", "control `scopes` is given twice", help: "keep one `scopes` in this block", """
        policy p {
          allow { scopes ["a"] ⟦scopes⟧ ["b"] }
        }
        """),
        .init("E0247", "policy `p` has more than one description", help: "merge them into one `description`", """
        policy p {
          description "one"
          ⟦description "two"⟧
          deny "no"
        }
        """),
        .init("E0248", "`risk.level == high` cannot be a target",
              help: "a target compares `subject.id`, `subject.kind`, `subject.blueprint`, `subject.sponsor` or `audience` with a constant (`==`, `!=`, `in`, `not in`, `like`), or tests `\"group\" in subject.groups`; move it to `when`", """
        policy p {
          target ⟦risk.level == high⟧
          deny "no"
        }
        """),
        .init("E0249", "policy set is named both `a` and `b`",
              help: "every file of a policy set must declare the same `policyset` name, or none", """
        policyset "a"
        policyset ⟦"b"⟧
        policy p { deny "no" }
        """),
        .init("E0250", "`default` is declared more than once", help: "keep one `default` for the whole policy set", """
        default deny
        ⟦default allow⟧
        policy p { deny "no" }
        """),
        .init("E0251", "`scopes` needs a set of strings, found `int`", help: "write `scopes [\"Reports.Read\"]`", """
        policy p {
          allow { scopes ⟦3⟧ }
        }
        """),
    ]

    static let warnings: [DiagnosticCase] = [
        .init("W0301", "`10.1.2.3/8` has host bits set after the /8 prefix",
              help: "the network is `10.0.0.0/8`; write that, or the address alone", """
        policy p {
          when location.ip in ⟦10.1.2.3/8⟧
          deny "no"
        }
        """),
        .init("W0302", "`mon` repeats a day already in this schedule", help: "list each day once", """
        let hours = schedule mon..fri, ⟦mon⟧ 08:00..18:00 "UTC"
        policy p { when time in hours deny "no" }
        """),
        .init("W0303", "`\"GB\"` is already in this set", help: "remove the repeated element", """
        policy p {
          when location has country and location.country in ["GB", "IE", ⟦"GB"⟧]
          deny "no"
        }
        """),
        .init("W0304", "`let spare` is never used", help: "remove it, or use it in a policy", """
        let ⟦spare⟧ = 1h
        policy p { deny "no" }
        """),
        .init("W0305", "this condition is always true", help: "remove the `when` clause, or fix the comparison", """
        policy p {
          when ⟦low < high⟧
          deny "no"
        }
        """),
        .init("W0306", "this condition is always false, so the policy never applies",
              help: "fix the comparison, or mark the policy `disabled`", """
        policy p {
          when ⟦risk.level == high and 1 == 2⟧
          deny "no"
        }
        """),
        .init("W0307", "policy `reports` can never allow anything", help: "add a `when` to the deny, or narrow its targets", """
        policy lockdown {
          target subject.kind == agent
          deny "agents are locked down"
        }
        policy reports {
          target subject.kind == agent
          target audience == "https://graph.contoso.com"
          ⟦allow⟧
        }
        """),
        .init("W0308", "policy `p` repeats a target", help: "remove the repeated `target`", """
        policy p {
          target audience == "x"
          ⟦target audience == "x"⟧
          deny "no"
        }
        """),
        .init("W0309", "`subject.blueprint` is read without a `has` guard",
              help: "it may be absent, and then the policy errs (fails closed); write `subject has blueprint and …` first", """
        policy p {
          when ⟦subject.blueprint⟧ == "x"
          deny "no"
        }
        """),
        .init("W0310", "`limit` in policy `p` adds no controls",
              help: "add `token_lifetime`, `scopes` or `require`, or remove the policy", """
        policy p {
          ⟦limit { }⟧
        }
        """),
        .init("N0401", "policy `p` runs in report_only mode",
              help: "its matches are logged as `report_only` and never change a decision", """
        policy p ⟦report_only⟧ {
          deny "no"
        }
        """),
        .init("N0402", "policy `p` is disabled",
              help: "it is checked but never evaluated; delete it once it is no longer needed", """
        policy p ⟦disabled⟧ {
          deny "no"
        }
        """),
    ]

    static let all: [DiagnosticCase] = names + types + literals + policies + warnings

    /// Codes the parser makes unreachable from source text (it rejects the input
    /// first); `CheckerASTTests` builds the tree by hand to exercise them.
    static let astOnly: Set<String> = ["E0223", "E0230"]
}
