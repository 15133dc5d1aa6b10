import PolicyLanguage

/// The last decision, in preallocated lists the answer writer reads.
struct CombinedResult {
    enum Reasons: UInt8 { case none, policies, noPolicyAllows, noScopeGranted, invalidRequest }

    var decision = Outcome.deny
    var reasons = Reasons.none
    var hasControls = false
    var lifetime: Int64 = .min
    let policies: UnsafeMutablePointer<Int32>
    var policyCount = 0
    /// Scratch: the matched enforce allow and limit policies, gathered beside
    /// the denies in the same pass.
    let others: UnsafeMutablePointer<Int32>
    /// Granted scopes: indexes into the frame's elements.
    let scopes: UnsafeMutablePointer<Int32>
    var scopeCount = 0
    /// Required steps: symbol ids, in policy order, deduplicated.
    let require: UnsafeMutablePointer<Int32>
    var requireCount = 0
    let reportOnly: UnsafeMutablePointer<Int32>
    var reportOnlyCount = 0

    init(policyCount n: Int) {
        policies = .allocate(capacity: max(1, n))
        others = .allocate(capacity: max(1, n))
        scopes = .allocate(capacity: 256)
        require = .allocate(capacity: 256)
        reportOnly = .allocate(capacity: max(1, n))
    }

    func release() {
        policies.deallocate(); others.deallocate(); scopes.deallocate(); require.deallocate(); reportOnly.deallocate()
    }

    mutating func setInvalid() {
        decision = .deny
        reasons = .invalidRequest
        hasControls = false
        policyCount = 0
        reportOnlyCount = 0
        scopeCount = 0
        requireCount = 0
    }
}

/// SEMANTICS.md "Combining", after Cedar's authorizer: classify each
/// candidate, then deny-overrides / allow / default, then merge controls.
enum Combinator {
    static func combine(_ s: EvaluatorState) -> Outcome {
        let p = s.columns
        var r = s.result
        r.policyCount = 0; r.reportOnlyCount = 0; r.scopeCount = 0; r.requireCount = 0
        r.hasControls = false; r.lifetime = .min
        // One pass in policy order: report-only results, the denies (straight
        // into `policies`) and the other effects (into `others`).
        var allows = false, otherCount = 0
        for i in 0..<s.candidateCount {
            let status = s.statuses[i]
            guard status == .matched || status == .errored else { continue }
            let policy = s.candidates[i]
            let effect = p.pointee.effects[Int(policy)]
            // Errored deny and limit count as matched (fail closed); errored allow does not.
            if status == .errored, effect == EffectKind.allow.rawValue { continue }
            if p.pointee.modes[Int(policy)] != 0 {
                r.reportOnly[r.reportOnlyCount] = policy; r.reportOnlyCount += 1
            } else if effect == EffectKind.deny.rawValue {
                r.policies[r.policyCount] = policy; r.policyCount += 1
            } else {
                if effect == EffectKind.allow.rawValue { allows = true }
                r.others[otherCount] = policy; otherCount += 1
            }
        }
        if r.policyCount > 0 {
            (r.decision, r.reasons) = (.deny, .policies)
        } else if allows || p.pointee.defaultAllows {
            r.policies.update(from: r.others, count: otherCount)
            r.policyCount = otherCount
            (r.decision, r.reasons) = (.allow, .none)
            mergeControls(s, &r)
        } else {
            (r.decision, r.reasons) = (.deny, .noPolicyAllows)
        }
        s.result = r
        return r.decision
    }

    /// Most-restrictive merge over the allow's policies (rule 4); an allow that
    /// grants none of the requested scopes becomes a deny.
    private static func mergeControls(_ s: EvaluatorState, _ r: inout CombinedResult) {
        let p = s.columns
        r.hasControls = true
        for j in 0..<r.policyCount {
            let policy = Int(r.policies[j])
            if p.pointee.lifetimes[policy] != .min, r.lifetime == .min || p.pointee.lifetimes[policy] < r.lifetime {
                r.lifetime = p.pointee.lifetimes[policy]
            }
            let req = p.pointee.requires[policy]
            for k in Int(req.start)..<Int(req.start + req.count) {
                let id = p.pointee.controlIDs[k]
                if !(0..<r.requireCount).contains(where: { r.require[$0] == id }), r.requireCount < 256 {
                    r.require[r.requireCount] = id
                    r.requireCount += 1
                }
            }
        }
        let requested = s.frame.signals[Int(Signal.scopes.rawValue)]
        for e in Int(requested.b)..<Int(requested.b + requested.c) {
            let id = s.frame.elements[e].a
            var granted = true
            for j in 0..<r.policyCount {
                let ceiling = p.pointee.ceilings[Int(r.policies[j])]
                if ceiling.count >= 0, id < 0 || !VM.contains64(p.pointee.controlIDs.baseAddress!, ceiling, Int32(id)) {
                    granted = false
                    break
                }
            }
            if granted { r.scopes[r.scopeCount] = Int32(e); r.scopeCount += 1 }
        }
        if requested.c > 0, r.scopeCount == 0 {
            (r.decision, r.reasons, r.hasControls) = (.deny, .noScopeGranted, false)
        }
    }
}

extension VM {
    /// Binary search of an id in a sorted Int32 range.
    @inline(__always)
    static func contains64(_ keys: UnsafePointer<Int32>, _ range: TableRange, _ key: Int32) -> Bool {
        var low = Int(range.start), high = Int(range.start + range.count)
        while low < high {
            let mid = (low + high) >> 1
            if keys[mid] == key { return true }
            if keys[mid] < key { low = mid + 1 } else { high = mid }
        }
        return false
    }
}
