import Foundation
import PolicyLanguage
@testable import PolicyVM

/// The oracle: a tree-walking interpreter over `CheckedPolicySet`, written to be
/// obviously right (SEMANTICS.md, clause by clause), never to be fast. The VM is
/// diffed against it.
final class ReferenceEvaluator {
    /// A runtime error; it aborts the condition of the policy being evaluated.
    struct Failure: Error {
        var code: String
        var message: String
    }

    enum Outcome: Equatable {
        case notApplicable, matched, notMatched
        case errored(code: String)
    }

    let policySet: CheckedPolicySet
    private let regexes = ReferenceRegex()
    /// Zones looked up once per evaluator (the lookup, not the arithmetic, is slow).
    private var zones: [String: TimeZone] = [:]

    init(_ policySet: CheckedPolicySet) {
        self.policySet = policySet
    }

    func decide(_ request: Request) -> ComparableAnswer {
        let outcomes = policySet.policies.map { policy in
            policy.mode == .disabled ? .notApplicable : outcome(of: policy, for: request)
        }
        return ReferenceCombiner(policySet: policySet, request: request, outcomes: outcomes).answer()
    }

    // MARK: one policy

    func outcome(of policy: CheckedPolicy, for request: Request) -> Outcome {
        var frame = Frame(request: request)
        for target in policy.targets {
            // In a target an absent optional signal makes the target false.
            guard (try? truth(target, &frame)) == true else { return .notApplicable }
        }
        guard let condition = policy.condition else { return .matched }
        do {
            return try truth(condition, &frame) ? .matched : .notMatched
        } catch {
            return .errored(code: error.code)
        }
    }

    /// The request and the quantifier variables in scope.
    struct Frame {
        var request: Request
        var variables: [Int: ReferenceValue] = [:]
    }

    // MARK: expressions

    private func truth(_ expr: TypedExpr, _ frame: inout Frame) throws(Failure) -> Bool {
        guard case .bool(let value) = try evaluate(expr, &frame) else { throw typeError("a condition is not boolean") }
        return value
    }

    /// A checked program met a value of the wrong type: never supposed to happen
    /// (the property tests look for this code), so it is reported, not trapped.
    private func typeError(_ what: String) -> Failure {
        Failure(code: Self.typeErrorCode, message: what)
    }

    static let typeErrorCode = "internal_type_error"

    func evaluate(_ expr: TypedExpr, _ frame: inout Frame) throws(Failure) -> ReferenceValue {
        switch expr.kind {
        case .constant(let value):
            return ReferenceValue(value)
        case .signal(let signal):
            return try ReferenceSignals.read(signal, frame.request)
        case .dynamic(let root, let name):
            return try ReferenceSignals.readDynamic(root, name, expecting: expr.type, frame.request)
        case .variable(let slot):
            guard let value = frame.variables[slot] else { throw typeError("unbound variable slot \(slot)") }
            return value
        case .has(let target):
            return .bool(ReferenceSignals.has(target, frame.request))
        case .not(let operand):
            return .bool(try !truth(operand, &frame))
        case .and(let operands):
            for operand in operands {
                if try !truth(operand, &frame) { return .bool(false) }
            }
            return .bool(true)
        case .or(let operands):
            for operand in operands {
                if try truth(operand, &frame) { return .bool(true) }
            }
            return .bool(false)
        case .compare(let op, let lhs, let rhs):
            let left = try evaluate(lhs, &frame)
            let right = try evaluate(rhs, &frame)
            guard left.typeName == right.typeName, let result = compare(op, left, right) else { throw typeError("ordering on an unordered type") }
            return .bool(result)
        case .member(let element, let set, let negated):
            let value = try evaluate(element, &frame)
            guard case .set(let elements) = try evaluate(set, &frame) else { throw typeError("`in` needs a set") }
            return .bool(contains(elements, value) != negated)
        case .inNetwork(let operand, let network, let negated):
            guard case .ip(let address) = try evaluate(operand, &frame) else { throw typeError("`in cidr` needs an ip") }
            return .bool(ReferenceNetwork.contains(network, address) != negated)
        case .like(let operand, let pattern):
            guard case .string(let text) = try evaluate(operand, &frame) else { throw typeError("`like` needs a string") }
            return .bool(ReferenceGlob.matches(text, pattern: pattern))
        case .matches(let operand, let regex):
            guard case .string(let text) = try evaluate(operand, &frame) else { throw typeError("`matches` needs a string") }
            return .bool(try regexes.matches(text, regex))
        case .inSchedule(let operand, let schedule):
            guard case .timestamp(let time) = try evaluate(operand, &frame) else { throw typeError("schedule needs a time") }
            return .bool(ReferenceSchedule.contains(schedule, time, zone: zone(schedule.zone)))
        case .quantified(let quantifier, let slot, let source, let body):
            return .bool(try quantify(quantifier, slot: slot, source: source, body: body, &frame))
        case .difference(let lhs, let rhs):
            guard case .timestamp(let a) = try evaluate(lhs, &frame),
                  case .timestamp(let b) = try evaluate(rhs, &frame) else { throw typeError("`-` needs timestamps") }
            return .duration(a &- b)
        }
    }

    private func zone(_ identifier: String) -> TimeZone {
        if let known = zones[identifier] { return known }
        guard let zone = TimeZone(identifier: identifier) else {
            preconditionFailure("the checker validated zone `\(identifier)`")
        }
        zones[identifier] = zone
        return zone
    }

    private func quantify(_ quantifier: Quantifier, slot: Int, source: TypedExpr, body: TypedExpr,
                          _ frame: inout Frame) throws(Failure) -> Bool {
        guard case .set(let elements) = try evaluate(source, &frame) else { throw typeError("quantifier needs a set") }
        let saved = frame.variables[slot]
        defer { frame.variables[slot] = saved }
        for element in elements {
            frame.variables[slot] = element
            let holds = try truth(body, &frame)
            if quantifier == .any && holds { return true }
            if quantifier == .all && !holds { return false }
        }
        return quantifier == .all
    }

    private func compare(_ op: CompareOperator, _ left: ReferenceValue, _ right: ReferenceValue) -> Bool? {
        switch op {
        case .equal: return left.equals(right)
        case .notEqual: return !left.equals(right)
        default:
            guard let a = left.orderKey, let b = right.orderKey else { return nil }
            switch op {
            case .less: return a < b
            case .lessEqual: return a <= b
            case .greater: return a > b
            default: return a >= b
            }
        }
    }

    /// `x in set`; an address against networks means containment.
    private func contains(_ elements: [ReferenceValue], _ value: ReferenceValue) -> Bool {
        elements.contains { element in
            if case .ip(let address) = value, case .cidr(let network) = element {
                return ReferenceNetwork.contains(network, address)
            }
            return element.equals(value)
        }
    }
}
