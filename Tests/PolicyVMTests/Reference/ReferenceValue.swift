import PolicyLanguage
@testable import PolicyVM

/// A value while the reference evaluator runs: the constants of the language
/// plus timestamps, which only requests produce.
indirect enum ReferenceValue {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case duration(Int64)
    case timeOfDay(Int32)
    case weekday(UInt8)
    case risk(UInt8)
    case kind(UInt8)
    case ip(IPAddress)
    case cidr(CIDR)
    case timestamp(Int64)
    case schedule(Schedule)
    case regex(RegexLiteral)
    case set([ReferenceValue])

    init(_ constant: Value) {
        switch constant {
        case .string(let s): self = .string(s)
        case .int(let i): self = .int(i)
        case .bool(let b): self = .bool(b)
        case .duration(let d): self = .duration(d)
        case .timeOfDay(let t): self = .timeOfDay(t)
        case .weekday(let w): self = .weekday(w.rawValue)
        case .risk(let r): self = .risk(r.rawValue)
        case .kind(let k): self = .kind(k.rawValue)
        case .ip(let a): self = .ip(a)
        case .cidr(let c): self = .cidr(c)
        case .schedule(let s): self = .schedule(s)
        case .regex(let r): self = .regex(r)
        case .set(let elements, _): self = .set(elements.map(ReferenceValue.init))
        }
    }

    init(_ dynamic: DynamicValue) {
        switch dynamic {
        case .string(let s): self = .string(s)
        case .int(let i): self = .int(i)
        case .bool(let b): self = .bool(b)
        case .stringSet(let set): self = .set(set.map(ReferenceValue.string))
        }
    }

    static func strings(_ values: [String]) -> ReferenceValue { .set(values.map(ReferenceValue.string)) }

    /// Equality of the language: strings compare byte for byte (as interned ids
    /// do), addresses on their 128 bits.
    func equals(_ other: ReferenceValue) -> Bool {
        switch (self, other) {
        case (.string(let a), .string(let b)): a.utf8.elementsEqual(b.utf8)
        case (.int(let a), .int(let b)), (.duration(let a), .duration(let b)), (.timestamp(let a), .timestamp(let b)):
            a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.timeOfDay(let a), .timeOfDay(let b)): a == b
        case (.weekday(let a), .weekday(let b)), (.risk(let a), .risk(let b)), (.kind(let a), .kind(let b)): a == b
        case (.ip(let a), .ip(let b)): a.high == b.high && a.low == b.low
        case (.cidr(let a), .cidr(let b)):
            a.prefix == b.prefix && a.address.isV4 == b.address.isV4 && ReferenceNetwork.contains(a, b.address)
        case (.set(let a), .set(let b)):
            a.allSatisfy { x in b.contains { x.equals($0) } } && b.allSatisfy { y in a.contains { y.equals($0) } }
        default: false
        }
    }

    /// The integer an ordering operator compares, for the ordered types.
    var orderKey: Int64? {
        switch self {
        case .int(let v), .duration(let v), .timestamp(let v): v
        case .timeOfDay(let v): Int64(v)
        case .weekday(let v), .risk(let v): Int64(v)
        default: nil
        }
    }

    /// The value's type, for spotting a mismatch the checker should have prevented.
    var typeName: String {
        switch self {
        case .string: "string"
        case .int: "int"
        case .bool: "bool"
        case .duration: "duration"
        case .timeOfDay: "time of day"
        case .weekday: "weekday"
        case .risk: "risk level"
        case .kind: "subject kind"
        case .ip: "ip"
        case .cidr: "cidr"
        case .timestamp: "timestamp"
        case .schedule: "schedule"
        case .regex: "regex"
        case .set: "set"
        }
    }
}

/// Network containment on the 128-bit form. IPv4 lives in `::ffff:0:0/96`, and
/// the parser already stores an IPv4 prefix on that form (`10.0.0.0/8` has
/// prefix 104), as `CheckerLiterals.writtenPrefix` documents.
enum ReferenceNetwork {
    static func contains(_ network: CIDR, _ address: IPAddress) -> Bool {
        let prefix = Int(network.prefix)
        let (netHigh, netLow) = (network.address.high, network.address.low)
        let highBits = min(prefix, 64)
        let lowBits = max(prefix - 64, 0)
        let highMask: UInt64 = highBits == 0 ? 0 : ~UInt64(0) << (64 - UInt64(highBits))
        let lowMask: UInt64 = lowBits == 0 ? 0 : ~UInt64(0) << (64 - UInt64(lowBits))
        return (address.high & highMask) == (netHigh & highMask) && (address.low & lowMask) == (netLow & lowMask)
    }
}
