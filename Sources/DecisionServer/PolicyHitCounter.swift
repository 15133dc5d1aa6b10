import PolicyVM

/// Counts how often each policy is named in answers' `policies`, from the
/// evaluator's matched policy indices: no answer is parsed back, no allocation.
struct PolicyHitCounter {
    private let names: [String]
    private(set) var hits: [UInt64]

    init(set: CompiledPolicySet) {
        self.names = (0..<set.policyCount).map(set.policyName)
        self.hits = Array(repeating: 0, count: set.policyCount)
    }

    mutating func count(_ policies: UnsafeBufferPointer<Int32>) {
        for policy in policies { self.hits[Int(policy)] += 1 }
    }

    mutating func reset() {
        for index in self.hits.indices { self.hits[index] = 0 }
    }

    func name(_ index: Int) -> String { self.names[index] }
}
