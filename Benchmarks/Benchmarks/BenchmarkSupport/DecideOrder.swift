import PolicyVM

/// The order in which the decide benchmarks visit their 256 decoded
/// requests: pseudo-random (a 64-bit LCG's top byte), the same every run so
/// runs compare. Walked in a fixed cycle of 256 instead, the branch predictor
/// learned the cycle (105 instead of 146 ns per decision at N = 100).
public enum DecideOrder {
    /// Which workload requests the decide benchmarks hold decoded: 256 of
    /// them, spread over the `total` requests (every 389th, wrapping).
    public static func sample(from total: Int) -> [Int] {
        (0..<256).map { $0 * 389 % total }
    }

    /// The `sample` of the requests (`ranges` into `bytes`), each decoded by
    /// `evaluator` into a request of its own; stops at one that does not decode.
    public static func decoded(
        sample: [Int], bytes: [UInt8], ranges: [(Int, Int)], by evaluator: inout Evaluator, for policySet: CompiledPolicySet
    ) -> [DecodedRequest] {
        bytes.withUnsafeBytes { all in
            sample.map { index in
                let request = DecodedRequest(for: policySet)
                let (offset, length) = ranges[index]
                precondition(evaluator.decode(json: UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)]),
                                              now: 0, into: request), "request \(index) does not decode")
                return request
            }
        }
    }

    /// `count` indexes below 256.
    public static func shuffled(count: Int) -> [Int] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 56)
        }
    }
}
