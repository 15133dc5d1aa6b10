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
    mutating func count(fields: ArraySlice<UInt8>) {
        let prefix: StaticString = "\"policies\":["
        guard var index = Self.find(prefix, in: fields) else { return }
        while index < fields.endIndex, fields[index] == UInt8(ascii: "\"") {
            var end = index + 1
            while end < fields.endIndex, fields[end] != UInt8(ascii: "\"") { end += 1 }
            guard end < fields.endIndex else { return }
            let name = fields[index...end]
            if let policy = self.policy(named: name) { self.hits[policy] += 1 }
            index = end + 1
            guard index < fields.endIndex, fields[index] == UInt8(ascii: ",") else { return }
            index += 1
        }
    }

    /// The index of the policy whose quoted name is `name`: lengths first, then memcmp.
    private func policy(named name: ArraySlice<UInt8>) -> Int? {
        name.withUnsafeBytes { name in
            for (index, quoted) in self.quotedNames.enumerated() where quoted.count == name.count {
                let same = quoted.withUnsafeBytes { memcmp($0.baseAddress!, name.baseAddress!, name.count) == 0 }
                if same { return index }
            }
            return nil
        }
    }

    mutating func reset() {
        for index in self.hits.indices { self.hits[index] = 0 }
    }

    /// The index just past `needle` in the first 64 bytes of `bytes`.
    private static func find(_ needle: StaticString, in bytes: ArraySlice<UInt8>) -> Int? {
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        let limit = min(bytes.endIndex - pattern.count, bytes.startIndex + 64)
        guard limit >= bytes.startIndex else { return nil }
        var start = bytes.startIndex
        while start <= limit {
            if bytes[start] == pattern[0], bytes[start..<(start + pattern.count)].elementsEqual(pattern) {
                return start + pattern.count
            }
            start += 1
        }
        return nil
    }

    func name(_ index: Int) -> String {
        String(decoding: self.quotedNames[index].dropFirst().dropLast(), as: UTF8.self)
    }
}
