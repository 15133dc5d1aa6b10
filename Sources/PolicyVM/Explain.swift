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
    /// The enabled policies the index pruned, grouped by the first of their
    /// guards the request fails (`agate disasm` lists every guard), in policy order.
    public var pruned: [(guard: String, policies: [String])] = []

    public static func == (a: Explanation, b: Explanation) -> Bool {
        a.answer == b.answer && a.policies == b.policies && a.policyCount == b.policyCount
            && a.pruned.map(\.guard) == b.pruned.map(\.guard) && a.pruned.map(\.policies) == b.pruned.map(\.policies)
    }

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
        for (rule, names) in pruned {
            let shown = names.prefix(20).joined(separator: ", ") + (names.count > 20 ? ", and \(names.count - 20) more" : "")
            lines.append("# not a candidate, the request fails `\(rule)`: \(shown)")
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
        var explanation = Explanation(answer: answer(), policies: policies, policyCount: p.policies.count)
        if state.invalid == nil { explanation.pruned = prunedPolicies() }
        return explanation
    }

    /// The enabled policies that were not candidates, by the first guard the request fails.
    private func prunedPolicies() -> [(guard: String, policies: [String])] {
        let p = state.program
        let candidates = Set((0..<state.candidateCount).map { Int(state.candidates[$0]) })
        let pairs = p.policies.indices.filter { p.policies[$0].mode != .disabled && !candidates.contains($0) }.map { i in
            (key: p.index.guards[i].first { !$0.passes(state.frame) }.map { Disassembler.describe($0, p) }
                ?? "its guards, which no request passes",
             name: p.policies[i].name)
        }
        return Disassembler.grouped(pairs).map { ($0.key, $0.names) }
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
