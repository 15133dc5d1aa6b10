/// SplitMix64: small, fast, and the same sequence on every platform, so a seed
/// printed by a failing test reproduces the case anywhere. Shared by the test
/// targets that generate policies and requests.
public struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }

    public mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    public mutating func pick<T>(_ values: [T]) -> T { values[int(0...(values.count - 1))] }

    /// `count` distinct elements of `values` (fewer if it is shorter), in a random order.
    public mutating func sample<T>(_ values: [T], _ count: Int) -> [T] {
        Array(values.shuffled(using: &self).prefix(count))
    }

    /// One to `max` distinct elements of `values`, in a random order.
    public mutating func sample<T>(_ values: [T], max: Int) -> [T] {
        sample(values, int(1...max))
    }

    /// `text` with one to three byte edits (replace, insert, delete), the new
    /// bytes drawn from `alphabet`: near misses of valid inputs for parsers.
    public mutating func mutate(_ text: String, alphabet: [UInt8]) -> String {
        var bytes = Array(text.utf8)
        for _ in 0..<(1 + next() % 3) {
            let at = Int(next() % UInt64(bytes.count + 1))
            switch next() % 3 {
            case 0 where at < bytes.count: bytes[at] = alphabet[Int(next() % UInt64(alphabet.count))]
            case 1: bytes.insert(alphabet[Int(next() % UInt64(alphabet.count))], at: at)
            default: if at < bytes.count { bytes.remove(at: at) }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
