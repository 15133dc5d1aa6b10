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

    /// `count` indexes below 256.
    public static func shuffled(count: Int) -> [Int] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 56)
        }
    }
}
