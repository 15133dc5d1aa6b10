import Foundation
import PolicyVM

/// Everything a replay needs: the policy sets, the logs and the knobs.
public struct ReplayConfiguration: Sendable {
    /// The candidate policy set (NEW).
    public var policies: CompiledPolicySet
    /// The policy set to compare with (OLD); nil compares with the decisions recorded in the log.
    public var baseline: CompiledPolicySet?
    /// Paths of the logs, `-` for standard input; read in this order.
    public var logs: [String]
    /// The clock for requests that carry no time of their own and come without
    /// a log line's `time` (plain request lines): seconds since the epoch.
    public var now: Int64
    /// Worker threads (at least 1).
    public var jobs: Int
    /// Full examples kept per kind of change.
    public var examplesPerKind: Int
    /// Unreadable lines listed with their numbers (all are counted).
    public var badLineSamples: Int
    /// Stop at the first unreadable line.
    public var strict: Bool
    /// Lines longer than this are unreadable.
    public var maxLineBytes: Int
    /// Bytes per batch handed to a worker.
    public var batchBytes: Int

    public init(policies: CompiledPolicySet, baseline: CompiledPolicySet? = nil, logs: [String],
                now: Int64 = Int64(Date().timeIntervalSince1970),
                jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
                examplesPerKind: Int = 3, badLineSamples: Int = 10, strict: Bool = false,
                maxLineBytes: Int = 16 << 20, batchBytes: Int = 1 << 20) {
        self.policies = policies
        self.baseline = baseline
        self.logs = logs
        self.now = now
        self.jobs = max(1, jobs)
        self.examplesPerKind = max(0, examplesPerKind)
        self.badLineSamples = max(0, badLineSamples)
        self.strict = strict
        self.maxLineBytes = max(batchBytes, maxLineBytes)
        self.batchBytes = max(4096, batchBytes)
    }
}

/// Where a replay stands, for the progress bar.
public struct ReplayProgress: Sendable {
    public var lines: Int
    /// Bytes of the logs read so far, and their total when every size is known.
    public var bytesRead: Int64
    public var bytesTotal: Int64?
    public var elapsed: Double
}
