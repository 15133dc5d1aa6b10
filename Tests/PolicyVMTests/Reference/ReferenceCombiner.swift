import PolicyLanguage
@testable import PolicyVM

/// SEMANTICS.md "Combining", arm by arm, from the outcome of every policy.
struct ReferenceCombiner {
    let policySet: CheckedPolicySet
    let request: Request
    /// One per policy, in policy order.
    let outcomes: [ReferenceEvaluator.Outcome]

    /// Whether the policy's effect takes part: an errored deny or limit counts as
    /// matched, an errored allow does not.
    private func counts(_ index: Int) -> Bool {
        switch outcomes[index] {
        case .matched: return true
        case .notMatched, .notApplicable: return false
        case .errored:
            if case .allow = policySet.policies[index].effect { return false }
            return true
        }
    }

    private func indices(mode: PolicyMode, where keep: (CheckedEffect) -> Bool) -> [Int] {
        policySet.policies.indices.filter { i in
            policySet.policies[i].mode == mode && counts(i) && keep(policySet.policies[i].effect)
        }
    }

    func answer() -> ComparableAnswer {
        var answer = ComparableAnswer(decision: "deny", policies: [], controls: nil, reasons: [],
                                      reportOnly: reportOnly(), errors: errors())
        let denies = indices(mode: .enforce) { if case .deny = $0 { true } else { false } }
        let allows = indices(mode: .enforce) { if case .allow = $0 { true } else { false } }
        let limits = indices(mode: .enforce) { if case .limit = $0 { true } else { false } }
        if !denies.isEmpty {
            answer.policies = denies.map { policySet.policies[$0].name }
            answer.reasons = denies.map { i in
                guard case .deny(let reason) = policySet.policies[i].effect else { preconditionFailure() }
                return reason
            }
            return answer
        }
        let granting: [Int]
        if !allows.isEmpty {
            granting = (allows + limits).sorted()
        } else if policySet.defaultDecision == .allow {
            granting = limits
        } else {
            answer.reasons = ["no policy allows the request"]
            return answer
        }
        answer.policies = granting.map { policySet.policies[$0].name }
        let controls = merge(granting)
        if !request.scopes.isEmpty && controls.scopes.isEmpty {
            answer.reasons = ["none of the requested scopes is granted"]
            return answer
        }
        answer.decision = "allow"
        answer.controls = controls
        return answer
    }

    /// Most restrictive: the smallest lifetime, requested scopes within every
    /// ceiling, the union of requirements (policy order, no duplicates).
    private func merge(_ granting: [Int]) -> ComparableAnswer.Controls {
        var merged = ComparableAnswer.Controls(tokenLifetime: nil, scopes: ReferenceSignals.distinct(request.scopes),
                                               require: [])
        for i in granting {
            let controls: Controls
            switch policySet.policies[i].effect {
            case .allow(let c), .limit(let c): controls = c
            case .deny: continue
            }
            if let lifetime = controls.tokenLifetime {
                merged.tokenLifetime = min(merged.tokenLifetime ?? lifetime, lifetime)
            }
            if let ceiling = controls.scopes {
                merged.scopes = merged.scopes.filter { s in ceiling.contains { $0.utf8.elementsEqual(s.utf8) } }
            }
            for requirement in controls.require
            where !merged.require.contains(where: { $0.utf8.elementsEqual(requirement.utf8) }) {
                merged.require.append(requirement)
            }
        }
        return merged
    }

    private func reportOnly() -> [ComparableAnswer.ReportOnly] {
        indices(mode: .reportOnly) { _ in true }.map { i in
            let would = switch policySet.policies[i].effect {
            case .allow: "allow"
            case .deny: "deny"
            case .limit: "limit"
            }
            return ComparableAnswer.ReportOnly(policy: policySet.policies[i].name, would: would)
        }
    }

    private func errors() -> [ComparableAnswer.ErrorEntry] {
        policySet.policies.indices.compactMap { i in
            guard case .errored(let code) = outcomes[i] else { return nil }
            return ComparableAnswer.ErrorEntry(policy: policySet.policies[i].name, code: code)
        }
    }
}
