import PolicyLanguage

/// One test the VM ran while deciding, with where it comes from.
public struct ExplainStep: Equatable, Sendable {
    /// `file:line:col` of the tested expression.
    public var location: String
    /// The source text of the tested expression.
    public var source: String
    public var held: Bool
}

/// How one candidate policy came out, and why.
public struct PolicyExplanation: Equatable, Sendable {
    public enum Status: String, Sendable { case notApplicable = "not applicable", notMatched = "not matched", matched, errored }
    public var policy: String
    public var location: String
    public var status: Status
    public var steps: [ExplainStep]
    /// The runtime error message when `status == .errored`.
    public var error: String?
}

/// The answer plus, for each candidate policy, which tests held or failed.
public struct Explanation: Equatable, Sendable {
    public var answer: Answer
    /// Candidate policies in policy order; the others were pruned by the target index.
    public var policies: [PolicyExplanation]
    public var policyCount: Int

    /// Indented text for `agate eval --explain`.
    public func text() -> String {
        var lines = ["# \(policies.count) of \(policyCount) policies are candidates for this request"]
        for policy in policies {
            lines.append("# policy \(policy.policy) (\(policy.location)): \(policy.status.rawValue)"
                         + (policy.error.map { " — \($0)" } ?? ""))
            for step in policy.steps {
                lines.append("#   \(step.held ? "held  " : "failed") \(step.location)  \(step.source)")
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension Evaluator {
    /// Decides like `decide` (same code, same semantics) while recording every
    /// test the VM runs; slower, for `agate eval --explain`.
    public mutating func explain(json: UnsafeRawBufferPointer, now: Int64) -> Explanation {
        _ = state.decide(json: json, now: now, trace: true)
        let p = state.program
        let sources = policySet.sources
        var policies: [PolicyExplanation] = []
        if state.invalid == nil {
            var errorIndex = 0
            for i in 0..<state.candidateCount {
                let index = Int(state.candidates[i])
                let info = p.policies[index]
                let status: PolicyExplanation.Status = switch state.statuses[i] {
                case .notApplicable: .notApplicable
                case .notMatched: .notMatched
                case .matched: .matched
                case .errored: .errored
                }
                var error: String?
                if status == .errored, errorIndex < state.errorCount {
                    error = AnswerWriter.errorMessage(state.errors[errorIndex], p)
                    errorIndex += 1
                }
                let steps = (i < state.traces.count ? state.traces[i] : []).map { entry in
                    let span = p.debugSpans[entry.pc] ?? info.span
                    return ExplainStep(location: Explanation.location(span, sources),
                                       source: Explanation.snippet(span, sources), held: entry.flag)
                }
                policies.append(PolicyExplanation(policy: info.name, location: Explanation.location(info.span, sources),
                                                  status: status, steps: steps, error: error))
            }
        }
        return Explanation(answer: answer(), policies: policies, policyCount: p.policies.count)
    }
}

extension Explanation {
    static func location(_ span: Span, _ sources: SourceSet) -> String {
        guard Int(span.file.raw) < sources.files.count else { return "?" }
        let file = sources[span.file]
        let (line, column) = file.location(of: span.start)
        return "\(file.path):\(line):\(column)"
    }

    static func snippet(_ span: Span, _ sources: SourceSet) -> String {
        guard Int(span.file.raw) < sources.files.count else { return "" }
        let text = sources[span.file].text(of: span)
        let oneLine = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters() }.joined(separator: " ")
        return oneLine.count > 100 ? String(oneLine.prefix(97)) + "..." : oneLine
    }
}

extension Substring {
    fileprivate func trimmingCharacters() -> String {
        String(self.drop(while: { $0 == " " || $0 == "\t" }))
    }
}
