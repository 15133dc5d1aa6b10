import Logging
import PolicyLanguage
import PolicyVM
import Synchronization

/// What the last load of the policy files did, as `health` reports it.
public struct ReloadResult: Sendable, Equatable {
    /// `startup`, `signal`, `op` or `watch`.
    public var trigger: String
    public var succeeded: Bool
    /// The set serving after this load (the old one when the load failed).
    public var policyset: String
    public var diagnosticsCount: Int
    /// `loaded N policies` or the first diagnostic, one line.
    public var message: String
    /// Every diagnostic, one line each (errors first).
    public var diagnostics: [String]
    /// Seconds since the epoch.
    public var time: Int64
}

/// Why the server could not start: its policies do not load.
public struct PolicyLoadError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// The compiled policy set currently serving, and how it got there.
///
/// The set is immutable and shared by every connection. A reload compiles the
/// new set beside the old and swaps the reference; a connection takes a
/// snapshot per batch, so requests in flight finish on the set they started
/// with. Reloads are serialised; a set that fails to load is never installed.
public final class PolicyStore: Sendable {
    /// The set and a generation number that changes on every swap.
    public struct Snapshot: Sendable {
        public let generation: UInt64
        public let set: CompiledPolicySet
    }

    private let current: Mutex<Snapshot>
    private let last: Mutex<ReloadResult>
    private let reloading = Mutex(())
    private let paths: [String]
    private let logger: Logger

    /// Loads the initial set; throws with every diagnostic when it does not compile.
    public init(paths: [String], logger: Logger) throws(PolicyLoadError) {
        self.paths = paths
        self.logger = logger
        switch PolicySetLoader.load(paths: paths) {
        case .compiled(let set, let warnings, _):
            self.current = Mutex(Snapshot(generation: 1, set: set))
            self.last = Mutex(Self.success(set, warnings: warnings.map(Self.line), trigger: "startup"))
            for warning in warnings { logger.warning("\(Self.line(warning))") }
        case .failed(let diagnostics, _, let ioErrors):
            let lines = ioErrors.map { "\($0)" } + diagnostics.map(Self.line)
            throw PolicyLoadError(description: lines.joined(separator: "\n"))
        }
    }

    public var snapshot: Snapshot { self.current.withLock { $0 } }
    public var lastReload: ReloadResult { self.last.withLock { $0 } }

    /// Compiles the files again and swaps on success; the old set keeps serving
    /// otherwise. `alongside` reloads whatever else the server reloads with its
    /// policies (its signing keys) and returns its problems, one line each:
    /// they join the result's diagnostics, in the answer and in `health` alike.
    @discardableResult
    public func reload(trigger: String, alongside: () -> [String] = { [] }) -> ReloadResult {
        self.reloading.withLock { _ in
            var result: ReloadResult
            switch PolicySetLoader.load(paths: self.paths) {
            case .compiled(let set, let warnings, _):
                self.current.withLock { $0 = Snapshot(generation: $0.generation + 1, set: set) }
                result = Self.success(set, warnings: warnings.map(Self.line), trigger: trigger)
                self.logger.info("policy set reloaded", metadata: [
                    "trigger": "\(trigger)", "policyset": "\(set.hash)", "policies": "\(set.policyCount)",
                ])
            case .failed(let diagnostics, _, let ioErrors):
                let lines = ioErrors.map { "\($0)" } + diagnostics.map(Self.line)
                result = ReloadResult(
                    trigger: trigger, succeeded: false, policyset: self.snapshot.set.hash,
                    diagnosticsCount: lines.count, message: lines.first ?? "the policy set did not compile",
                    diagnostics: lines, time: WallClock.now().seconds
                )
                self.logger.error("policy reload rejected; the previous set keeps serving", metadata: [
                    "trigger": "\(trigger)", "diagnostics": "\(lines.count)",
                ])
                for line in lines { self.logger.error("\(line)") }
            }
            let problems = alongside()
            result.diagnostics += problems
            result.diagnosticsCount += problems.count
            self.last.withLock { $0 = result }
            return result
        }
    }

    private static func success(_ set: CompiledPolicySet, warnings: [String], trigger: String) -> ReloadResult {
        ReloadResult(
            trigger: trigger, succeeded: true, policyset: set.hash, diagnosticsCount: warnings.count,
            message: "loaded \(set.policyCount) policies", diagnostics: warnings, time: WallClock.now().seconds
        )
    }

    static func line(_ diagnostic: Diagnostic) -> String {
        "\(diagnostic.severity.rawValue)[\(diagnostic.code.id)]: \(diagnostic.message)"
    }
}
