#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PolicyVM

/// Counts how often each policy is named in answers' `policies`, without
/// allocating: names are matched as bytes against the set's quoted names.
struct PolicyHitCounter {
    /// `"name"` of every policy, by index.
    private let quotedNames: [[UInt8]]
    private(set) var hits: [UInt64]

    init(set: CompiledPolicySet) {
        self.quotedNames = (0..<set.policyCount).map { Array("\"\(set.policyName($0))\"".utf8) }
        self.hits = Array(repeating: 0, count: set.policyCount)
    }

    /// Reads the `"policies":[…]` array at the start of the answer fields.
    /// Runs for every decision, so it works on raw bytes with memchr/memcmp.
    mutating func count(fields: ArraySlice<UInt8>) {
        fields.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress, let open = Self.arrayStart(in: bytes) else { return }
            var index = open
            while index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                guard let close = memchr(base + index + 1, Int32(UInt8(ascii: "\"")), bytes.count - index - 1) else { return }
                let end = UnsafeRawPointer(close) - base
                if let policy = self.policy(named: UnsafeRawBufferPointer(rebasing: bytes[index...end])) {
                    self.hits[policy] += 1
                }
                index = end + 1
                guard index < bytes.count, bytes[index] == UInt8(ascii: ",") else { return }
                index += 1
            }
        }
    }

    /// The index of the policy whose quoted name is `name`: lengths first, then memcmp.
    private func policy(named name: UnsafeRawBufferPointer) -> Int? {
        for (index, quoted) in self.quotedNames.enumerated() where quoted.count == name.count {
            let same = quoted.withUnsafeBytes { memcmp($0.baseAddress!, name.baseAddress!, name.count) == 0 }
            if same { return index }
        }
        return nil
    }

    /// Just past the `"policies":[` near the start of `bytes` (the answer
    /// fields open with `"decision":"…",`, so the first `[` is the array's).
    private static func arrayStart(in bytes: UnsafeRawBufferPointer) -> Int? {
        let key: StaticString = "\"policies\":"
        let window = min(bytes.count, 64)
        guard window > 0, let bracket = memchr(bytes.baseAddress!, Int32(UInt8(ascii: "[")), window) else { return nil }
        let position = UnsafeRawPointer(bracket) - bytes.baseAddress!
        guard position >= key.utf8CodeUnitCount,
              memcmp(bytes.baseAddress! + position - key.utf8CodeUnitCount, key.utf8Start, key.utf8CodeUnitCount) == 0
        else { return nil }
        return position + 1
    }

    mutating func reset() {
        for index in self.hits.indices { self.hits[index] = 0 }
    }

    func name(_ index: Int) -> String {
        String(decoding: self.quotedNames[index].dropFirst().dropLast(), as: UTF8.self)
    }
}
