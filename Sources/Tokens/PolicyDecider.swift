import PolicyLanguage
import PolicyVM

/// Runs a compiled policy set on `Request` values: the `decide` function
/// `TokenService.issue` takes. Like the `Evaluator` inside it, one decider
/// belongs to one thread or task at a time.
public final class PolicyDecider {
    private var evaluator: Evaluator

    public init(_ policySet: CompiledPolicySet) {
        evaluator = Evaluator(policySet)
    }

    /// Loads, checks and compiles policy files or folders.
    public static func load(paths: [String]) throws(PolicyLoadFailure) -> PolicyDecider {
        switch PolicySetLoader.load(paths: paths) {
        case .compiled(let set, _, _):
            return PolicyDecider(set)
        case .failed(let diagnostics, _, let ioErrors):
            throw PolicyLoadFailure(messages: ioErrors.map(\.description) + diagnostics.map {
                "\($0.code.severity.rawValue)[\($0.code.id)]: \($0.message)"
            })
        }
    }

    /// Decides `request`; its `time` is the evaluator's clock.
    public func decide(_ request: Request) -> Answer {
        _ = evaluator.decide(json: Array(request.json().utf8), now: request.time)
        return evaluator.answer()
    }
}

/// Policies that could not be loaded, with every message.
public struct PolicyLoadFailure: Error, Sendable, CustomStringConvertible {
    public var messages: [String]
    public var description: String { messages.joined(separator: "\n") }
}
