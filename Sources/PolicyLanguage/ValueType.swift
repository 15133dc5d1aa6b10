/// The static types of the language. Every checked expression has one.
public indirect enum ValueType: Hashable, Sendable, CustomStringConvertible {
    case string, int, bool
    /// A length of time in seconds (`90s`, `15m`, `1h`, `30d`).
    case duration
    /// Seconds since midnight (`08:00`).
    case timeOfDay
    /// ISO weekday, 1 = Monday … 7 = Sunday.
    case weekday
    /// `none < low < medium < high`, as 0...3.
    case riskLevel
    /// `agent`, `user`, `workload`, `service`.
    case subjectKind
    case ip
    /// A network. Sets of networks hold `cidr`; an IP literal inside one is a /32 or /128.
    case cidr
    /// Seconds since the Unix epoch, UTC.
    case timestamp
    case schedule
    case regex
    case set(ValueType)
    /// The type of an expression that already has an error reported; it unifies
    /// with everything so one mistake does not cascade.
    case error

    public var description: String {
        switch self {
        case .string: "string"
        case .int: "int"
        case .bool: "bool"
        case .duration: "duration"
        case .timeOfDay: "time of day"
        case .weekday: "weekday"
        case .riskLevel: "risk level"
        case .subjectKind: "subject kind"
        case .ip: "ip"
        case .cidr: "cidr"
        case .timestamp: "timestamp"
        case .schedule: "schedule"
        case .regex: "regex"
        case .set(let element): "set of \(element)"
        case .error: "{error}"
        }
    }
}

/// Risk levels in order; the raw value is the encoded level.
public enum RiskLevel: UInt8, CaseIterable, Sendable {
    case none = 0, low, medium, high
    public var name: String { String(describing: self) }
}

/// Kinds of subject; the raw value is the encoded kind.
public enum SubjectKind: UInt8, CaseIterable, Sendable {
    case agent = 0, user, workload, service
    public var name: String { String(describing: self) }
}

/// ISO weekdays; the raw value is 1 = Monday … 7 = Sunday.
public enum Weekday: UInt8, CaseIterable, Sendable {
    case mon = 1, tue, wed, thu, fri, sat, sun
    public var name: String { String(describing: self) }
}
