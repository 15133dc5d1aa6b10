import PolicyLanguage

/// The parts of an answer that the VM and the reference evaluator must agree on,
/// in a shape both can be turned into. Error messages are prose and not compared;
/// the policy set hash comes from the loader and is not the oracle's business.
struct ComparableAnswer: Equatable, CustomStringConvertible {
    struct Controls: Equatable {
        var tokenLifetime: Int64?
        var scopes: [String]
        var require: [String]
    }

    struct ReportOnly: Equatable {
        var policy: String
        /// "deny", "allow" or "limit".
        var would: String
    }

    struct ErrorEntry: Equatable {
        /// The policy that errored; nil for a request that did not decode.
        var policy: String?
        var code: String
    }

    /// "allow" or "deny".
    var decision: String
    var policies: [String]
    var controls: Controls?
    var reasons: [String]
    var reportOnly: [ReportOnly]
    var errors: [ErrorEntry]
    var warnings: [String] = []

    var description: String {
        var text = "decision=\(decision) policies=\(policies)"
        if let controls {
            text += " controls={lifetime: \(controls.tokenLifetime.map(String.init) ?? "null"),"
                + " scopes: \(controls.scopes), require: \(controls.require)}"
        } else {
            text += " controls=null"
        }
        text += " reasons=\(reasons)"
        text += " report_only=\(reportOnly.map { "\($0.policy):\($0.would)" })"
        text += " errors=\(errors.map { "\($0.policy ?? "-"):\($0.code)" })"
        if !warnings.isEmpty { text += " warnings=\(warnings)" }
        return text
    }
}
