import PolicyLanguage

/// The decision itself.
public enum Outcome: UInt8, Sendable {
    case allow, deny

    public var name: String { self == .allow ? "allow" : "deny" }
}

/// The controls an allow grants, merged most-restrictive over every matched
/// `allow` and `limit` (SEMANTICS.md, combining rule 4).
public struct GrantedControls: Equatable, Sendable {
    /// Seconds; nil when no matched policy sets a lifetime.
    public var tokenLifetime: Int64?
    public var scopes: [String]
    public var require: [String]

    public init(tokenLifetime: Int64? = nil, scopes: [String] = [], require: [String] = []) {
        self.tokenLifetime = tokenLifetime
        self.scopes = scopes
        self.require = require
    }
}

/// What a matched `report_only` policy would have done.
public enum ReportOnlyVerdict: String, Sendable {
    case deny, allow, limit
}

/// One `report_only` policy that matched.
public struct ReportOnlyResult: Equatable, Sendable {
    public var policy: String
    public var would: ReportOnlyVerdict

    public init(policy: String, would: ReportOnlyVerdict) {
        self.policy = policy
        self.would = would
    }
}

/// The stable codes of evaluation errors (SEMANTICS.md "Runtime errors").
public enum EvaluationErrorCode: String, Sendable {
    case invalidRequest = "invalid_request"
    case absentSignal = "absent_signal"
    case absentAttribute = "absent_attribute"
    case attributeType = "attribute_type"
    case regexLimit = "regex_limit"
}

/// One error listed in an answer: a request that did not decode (no policy,
/// a JSON path) or a policy whose condition errored (the policy's name).
public struct EvaluationError: Equatable, Sendable {
    public var policy: String?
    public var code: EvaluationErrorCode
    public var message: String
    public var path: String?

    public init(policy: String?, code: EvaluationErrorCode, message: String, path: String? = nil) {
        self.policy = policy
        self.code = code
        self.message = message
        self.path = path
    }
}

/// A whole answer as plain values. The hot path never builds one (it writes
/// JSON straight from the evaluator's scratch); tests, replay and token
/// issuance use it.
public struct Answer: Equatable, Sendable {
    public var decision: Outcome
    public var policies: [String]
    /// nil on deny.
    public var controls: GrantedControls?
    public var reasons: [String]
    public var reportOnly: [ReportOnlyResult]
    public var errors: [EvaluationError]
    public var warnings: [String]
    /// `sha256:<hex>` of the policy sources.
    public var policySet: String

    public init(decision: Outcome, policies: [String] = [], controls: GrantedControls? = nil,
                reasons: [String] = [], reportOnly: [ReportOnlyResult] = [], errors: [EvaluationError] = [],
                warnings: [String] = [], policySet: String) {
        self.decision = decision
        self.policies = policies
        self.controls = controls
        self.reasons = reasons
        self.reportOnly = reportOnly
        self.errors = errors
        self.warnings = warnings
        self.policySet = policySet
    }

    /// The answer as one JSON object, fields in SEMANTICS.md's order; the same
    /// bytes `Evaluator.writeAnswerFields` produces, wrapped in braces.
    public func json() -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        writeFields(into: &out)
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the fields without the surrounding braces.
    public func writeFields(into out: inout [UInt8]) {
        var w = JSONWriter(out)
        w.raw("\"decision\":"); w.string(decision.name)
        w.raw(",\"policies\":"); w.stringArray(policies)
        w.raw(",\"controls\":")
        if let controls {
            w.raw("{\"token_lifetime_s\":")
            if let lifetime = controls.tokenLifetime { w.int(lifetime) } else { w.raw("null") }
            w.raw(",\"scopes\":"); w.stringArray(controls.scopes)
            w.raw(",\"require\":"); w.stringArray(controls.require)
            w.raw("}")
        } else {
            w.raw("null")
        }
        w.raw(",\"reasons\":"); w.stringArray(reasons)
        w.raw(",\"report_only\":[")
        for (i, result) in reportOnly.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"policy\":"); w.string(result.policy)
            w.raw(",\"would\":"); w.string(result.would.rawValue); w.raw("}")
        }
        w.raw("],\"errors\":[")
        for (i, error) in errors.enumerated() {
            if i > 0 { w.raw(",") }
            w.errorObject(policy: error.policy, code: error.code.rawValue, path: error.path, message: error.message)
        }
        w.raw("],\"warnings\":"); w.stringArray(warnings)
        w.raw(",\"policyset\":"); w.string(policySet)
        out = w.bytes
    }
}

/// Why an answer could not be read back from JSON.
public struct AnswerDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Answer {
    /// Parses an answer (as written by `json()`, or a decision-log line that
    /// carries the same fields). Missing list fields read as empty.
    public init(json: some Collection<UInt8>) throws {
        let value = try JSONValue.parse(Array(json))
        guard case .object = value else { throw AnswerDecodingError("an answer must be a JSON object") }
        guard let decisionName = value["decision"]?.stringValue,
              let decision: Outcome = decisionName == "allow" ? .allow : decisionName == "deny" ? .deny : nil
        else { throw AnswerDecodingError("`decision` must be \"allow\" or \"deny\"") }
        self.init(decision: decision, policySet: value["policyset"]?.stringValue ?? "")
        policies = try Self.strings(value["policies"], "policies")
        reasons = try Self.strings(value["reasons"], "reasons")
        warnings = try Self.strings(value["warnings"], "warnings")
        if let controls = value["controls"], controls != .null {
            guard case .object = controls else { throw AnswerDecodingError("`controls` must be an object or null") }
            var granted = GrantedControls()
            if let lifetime = controls["token_lifetime_s"], lifetime != .null {
                guard case .number(let n) = lifetime, let seconds = Int64(exactly: n)
                else { throw AnswerDecodingError("`controls.token_lifetime_s` must be an integer") }
                granted.tokenLifetime = seconds
            }
            granted.scopes = try Self.strings(controls["scopes"], "controls.scopes")
            granted.require = try Self.strings(controls["require"], "controls.require")
            self.controls = granted
        }
        for item in value["report_only"]?.arrayValue ?? [] {
            guard let policy = item["policy"]?.stringValue,
                  let would = item["would"]?.stringValue.flatMap(ReportOnlyVerdict.init(rawValue:))
            else { throw AnswerDecodingError("`report_only` entries need `policy` and `would`") }
            reportOnly.append(ReportOnlyResult(policy: policy, would: would))
        }
        for item in value["errors"]?.arrayValue ?? [] {
            guard let code = item["code"]?.stringValue.flatMap(EvaluationErrorCode.init(rawValue:))
            else { throw AnswerDecodingError("`errors` entries need a known `code`") }
            errors.append(EvaluationError(policy: item["policy"]?.stringValue, code: code,
                                          message: item["message"]?.stringValue ?? "",
                                          path: item["path"]?.stringValue))
        }
    }

    private static func strings(_ value: JSONValue?, _ field: String) throws -> [String] {
        guard let value, value != .null else { return [] }
        guard let items = value.arrayValue else { throw AnswerDecodingError("`\(field)` must be an array") }
        return try items.map {
            guard let s = $0.stringValue else { throw AnswerDecodingError("`\(field)` must hold strings") }
            return s
        }
    }
}
