@testable import DecisionClient
import Testing

/// What `agate bench-server` prints: per-run figures, and the median of each
/// figure over the runs.
@Suite struct LoadReportTests {
    private func report(throughput: Double, latencies: [UInt64], sendLags: [UInt64] = [], stalls: Int = 0) -> LoadGenerator.Report {
        LoadGenerator.Report(answered: Int(throughput), errors: 0, seconds: 1, latencies: latencies.sorted(),
                             sendLags: sendLags.sorted(), stalls: StallProbe.Summary(stalls: stalls, longest: 0))
    }

    @Test func mediansAreTakenFigureByFigure() {
        // The median-throughput run (2,000/s) has the highest p99; each figure's median is another run's.
        let runs = [
            self.report(throughput: 1000, latencies: Array(repeating: 10_000, count: 100), stalls: 1),
            self.report(throughput: 2000, latencies: Array(repeating: 90_000, count: 100), stalls: 9),
            self.report(throughput: 3000, latencies: Array(repeating: 20_000, count: 100), stalls: 4),
        ]
        let line = LoadGenerator.Report.medians(of: runs)
        #expect(line.hasPrefix("median of 3 runs: 2000 decisions/s; latency µs p50 20.0 p99 20.0 p999 20.0 max 20.0"))
        #expect(line.hasSuffix("machine stalls over 1 ms: 4 (longest 0.0 µs)"))
        #expect(!line.contains("sent late"))
    }

    @Test func sendLagIsReportedOnlyUnderARate() {
        let paced = self.report(throughput: 100, latencies: [5_000, 6_000], sendLags: [1_000, 3_000])
        #expect(paced.sendLagMicroseconds(at: 50) == 1.0)
        #expect(paced.sendLagMicroseconds(at: 99) == 3.0)
        #expect(paced.description.contains("sent late µs p50 1.0 p99 3.0"))
        let unpaced = self.report(throughput: 100, latencies: [5_000, 6_000])
        #expect(unpaced.sendLagMicroseconds(at: 50) == nil)
        #expect(!unpaced.description.contains("sent late"))
    }

    @Test func aStallIsAWakeUpMoreThanAMillisecondLate() {
        var summary = StallProbe.Summary(stalls: 0, longest: 0)
        summary.record(late: 40_000)
        summary.record(late: 1_000_000)  // exactly the threshold: not a stall
        #expect(summary == StallProbe.Summary(stalls: 0, longest: 1_000_000))
        summary.record(late: 4_000_000)
        summary.record(late: 1_500_000)
        #expect(summary == StallProbe.Summary(stalls: 2, longest: 4_000_000))
    }

    @Test func aProbeStopsOnceAndKeepsItsSummary() {
        let probe = StallProbe()
        let first = probe.stop()
        #expect(probe.stop() == first)
    }
}
