import Foundation
import PolicyLanguage

extension IPAddress {
    /// Parses a textual IPv4 or IPv6 address (no prefix, no zone). IPv4 is
    /// mapped into `::ffff:0:0/96`, as the request model stores it.
    init?(tokenCallText text: String) {
        guard text.utf8.count <= 45 else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            let value = UInt64(UInt32(bigEndian: v4.s_addr))
            self.init(high: 0, low: 0xFFFF_0000_0000 | value, isV4: true)
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        self.init(high: high, low: low, isV4: false)
    }
}
