/// The policy set the fuzzers load: between its policies they read every kind
/// of signal, so decoded values reach symbols, sets, patterns, regexes,
/// networks, schedules and attributes.
public enum FuzzPolicies {
    /// - `clock`: `reads` also requires office hours, so answers depend on the
    ///   time; leave it out where a harness must compute answers on its own.
    /// - `reportOnly`: adds a report-only policy, so answers carry `report_only`.
    public static func text(name: String, clock: Bool, reportOnly: Bool) -> String {
        let schedule = clock ? #"\#n   and time in schedule mon..fri 08:00..18:00 "Europe/London""# : ""
        var text = """
            policyset "\(name)"
            default deny

            policy reads {
              target subject.blueprint like "fin-*"
              when "finance" in subject.groups and location.ip in [10.0.0.0/8, 2001:db8::/32]\(schedule)
               and (all s in scopes: s matches /^Reports\\.(Read|Write)$/)
              allow {
                token_lifetime 15m
                scopes ["Reports.Read"]
              }
            }

            policy attributes {
              when subject.attributes.level >= 3 and context.ticket like "INC-*"
               and delegation.depth <= 2 and risk.level < high
              allow
            }

            policy country {
              when location has country and location.country not in ["GB", "IE"]
              deny "outside the allowed countries"
            }
            """
        if reportOnly {
            text += """


                policy high_risk report_only {
                  when risk.level >= high
                  deny "risk is high"
                }
                """
        }
        return text
    }
}
