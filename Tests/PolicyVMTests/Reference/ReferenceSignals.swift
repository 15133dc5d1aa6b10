import PolicyLanguage
@testable import PolicyVM

/// Reads signals out of a `Request` value, per Signals.swift and SEMANTICS.md.
enum ReferenceSignals {
    static func read(_ signal: Signal, _ r: Request) throws(ReferenceEvaluator.Failure) -> ReferenceValue {
        switch signal {
        case .subjectID: return .string(r.subject.id)
        case .subjectKind: return .kind(r.subject.kind.rawValue)
        case .subjectBlueprint: return .string(try present(r.subject.blueprint, signal))
        case .subjectSponsor: return .string(try present(r.subject.sponsor, signal))
        case .subjectGroups: return .strings(r.subject.groups)
        case .subjectRisk: return .risk(r.subject.risk.rawValue)
        case .subjectCreated: return .timestamp(try present(r.subject.created, signal))
        case .audience: return .string(r.audience)
        case .scopes: return .strings(r.scopes)
        case .locationIP: return .ip(r.ip)
        case .locationCountry: return .string(try present(r.country, signal))
        case .time: return .timestamp(r.time)
        case .timeHour: return .int(floorMod(r.time, 86400) / 3600)
        case .timeWeekday: return .weekday(isoWeekday(epochDay: floorDiv(r.time, 86400)))
        case .riskLevel: return .risk(r.riskLevel.rawValue)
        case .riskScore: return .int(r.riskScore)
        case .riskSignals: return .strings(r.riskSignals)
        case .delegationDepth: return .int(Int64(r.onBehalfOf.count))
        case .delegationChain: return .strings(distinct(r.onBehalfOf.map(\.id)))
        case .delegationOrigin: return .string(try present(r.onBehalfOf.first?.id, signal))
        }
    }

    static func readDynamic(_ root: DynamicRoot, _ name: String, expecting type: ValueType,
                            _ r: Request) throws(ReferenceEvaluator.Failure) -> ReferenceValue {
        let map = root == .subjectAttributes ? r.subject.attributes : r.context
        guard let value = map[name] else {
            throw .init(code: "absent_attribute", message: "`\(root.prefix).\(name)` is absent")
        }
        guard value.type == type else {
            throw .init(code: "attribute_type",
                        message: "`\(root.prefix).\(name)` is a \(value.type), not a \(type)")
        }
        return ReferenceValue(value)
    }

    static func has(_ target: HasTarget, _ r: Request) -> Bool {
        switch target {
        case .signal(let signal):
            return (try? read(signal, r)) != nil
        case .dynamic(let root, let name):
            return (root == .subjectAttributes ? r.subject.attributes : r.context)[name] != nil
        }
    }

    private static func present<T>(_ value: T?, _ signal: Signal) throws(ReferenceEvaluator.Failure) -> T {
        guard let value else {
            throw .init(code: "absent_signal", message: "`\(signal.info.name)` is absent")
        }
        return value
    }

    static func distinct(_ values: [String]) -> [String] {
        var out: [String] = []
        for v in values where !out.contains(where: { $0.utf8.elementsEqual(v.utf8) }) { out.append(v) }
        return out
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
    static func floorMod(_ a: Int64, _ b: Int64) -> Int64 { a - floorDiv(a, b) * b }
    /// 1970-01-01 was a Thursday (ISO 4).
    static func isoWeekday(epochDay: Int64) -> UInt8 { UInt8(floorMod(epochDay + 3, 7) + 1) }
}

/// `like`: `*` matches any run of characters (none included), `\*` a literal star.
enum ReferenceGlob {
    private enum Piece: Equatable { case star, literal(UInt8) }

    static func matches(_ text: String, pattern: String) -> Bool {
        var pieces: [Piece] = []
        let p = Array(pattern.utf8)
        var i = 0
        while i < p.count {
            if p[i] == UInt8(ascii: "\\"), i + 1 < p.count, p[i + 1] == UInt8(ascii: "*") {
                pieces.append(.literal(UInt8(ascii: "*")))
                i += 2
            } else {
                pieces.append(p[i] == UInt8(ascii: "*") ? .star : .literal(p[i]))
                i += 1
            }
        }
        return match(pieces[...], Array(text.utf8)[...])
    }

    /// Plain recursive backtracking over bytes (UTF-8 is self-synchronising, so a
    /// literal run can only match on a character boundary). Memoised to stay
    /// polynomial on many stars.
    private static func match(_ pieces: ArraySlice<Piece>, _ text: ArraySlice<UInt8>) -> Bool {
        var memo: [Int: Bool] = [:]
        func go(_ pi: Int, _ ti: Int) -> Bool {
            let key = pi * (text.count + 1) + ti
            if let known = memo[key] { return known }
            let result: Bool
            if pi == pieces.endIndex {
                result = ti == text.endIndex
            } else if pieces[pi] == .star {
                result = go(pi + 1, ti) || (ti < text.endIndex && go(pi, ti + 1))
            } else if ti < text.endIndex, case .literal(let byte) = pieces[pi], text[ti] == byte {
                result = go(pi + 1, ti + 1)
            } else {
                result = false
            }
            memo[key] = result
            return result
        }
        return go(pieces.startIndex, text.startIndex)
    }
}
