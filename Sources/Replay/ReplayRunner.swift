import Foundation
import PolicyVM

/// Why a replay stopped before the end.
public enum ReplayError: Error, Sendable, Equatable {
    /// A log could not be opened or read.
    case io(LogInputError)
    /// `--strict` and this line was unreadable.
    case strict(BadLine)
}

/// The parallel, streaming replay: one reader thread cuts the logs into
/// batches, `jobs` worker threads replay them, and the calling thread merges
/// the results in batch order, so the report is the same whatever the thread
/// count. A fixed pool of batch buffers bounds memory however long the logs.
public enum ReplayRunner {
    /// `progress` is called on the calling thread, about ten times a second.
    public static func run(_ configuration: ReplayConfiguration,
                           progress: ((ReplayProgress) -> Void)? = nil) throws(ReplayError) -> ReplayReport {
        let started = Date()
        let shared = SharedState(workers: configuration.jobs)
        let pool = BlockingQueue<BatchBuffer>()
        for _ in 0..<(2 * configuration.jobs + 2) { pool.push(BatchBuffer(capacity: configuration.batchBytes)) }
        let work = BlockingQueue<LineBatch>()
        let results = BlockingQueue<Finished>()
        startReader(configuration, pool: pool, work: work, shared: shared)
        for _ in 0..<configuration.jobs {
            startWorker(configuration, work: work, results: results, shared: shared)
        }
        let sizes = configuration.logs.map(Self.size(of:))
        let total: Int64? = sizes.contains(nil) ? nil : sizes.reduce(Int64(0)) { $0 + $1! }
        var merger = Merger(configuration: configuration)
        var strictFailure: BadLine?
        var lastReport = Date.distantPast
        while let finished = results.pop() {
            if strictFailure == nil {
                merger.add(finished)
                if configuration.strict, let first = merger.tally.badLines.first {
                    strictFailure = BadLine(log: configuration.logs[first.source], line: first.line, message: first.message)
                    shared.cancel()
                }
            }
            finished.batch.buffer.shrinkIfGrown()
            pool.push(finished.batch.buffer)
            if let progress, Date().timeIntervalSince(lastReport) >= 0.1 {
                lastReport = Date()
                let before = sizes.prefix(finished.batch.source).reduce(Int64(0)) { $0 + ($1 ?? 0) }
                progress(ReplayProgress(lines: merger.tally.lines, bytesRead: before + finished.batch.consumed,
                                        bytesTotal: total, elapsed: Date().timeIntervalSince(started)))
            }
        }
        if let strictFailure { throw ReplayError.strict(strictFailure) }
        if let error = shared.readError { throw ReplayError.io(error) }
        if let progress {
            progress(ReplayProgress(lines: merger.tally.lines, bytesRead: total ?? 0, bytesTotal: total,
                                    elapsed: Date().timeIntervalSince(started)))
        }
        return ReplayReport(configuration: configuration, tally: merger.tally,
                            reportOnlyNew: shared.reportOnlyNew, reportOnlyOld: shared.reportOnlyOld,
                            elapsed: Date().timeIntervalSince(started))
    }

    private static func startReader(_ configuration: ReplayConfiguration, pool: BlockingQueue<BatchBuffer>,
                                    work: BlockingQueue<LineBatch>, shared: SharedState) {
        let thread = Thread {
            let reader = BatchReader(paths: configuration.logs, pool: CancellablePool(pool: pool, shared: shared),
                                     work: work, maxLineBytes: configuration.maxLineBytes)
            if let error = reader.run() { shared.setReadError(error) }
            work.close()
        }
        thread.name = "agate-replay-reader"
        thread.start()
    }

    private static func startWorker(_ configuration: ReplayConfiguration, work: BlockingQueue<LineBatch>,
                                    results: BlockingQueue<Finished>, shared: SharedState) {
        let thread = Thread {
            var worker = ReplayWorker(configuration: configuration)
            while let batch = work.pop() {
                let tally = shared.isCancelled ? ReplayTally() : worker.process(batch)
                results.push(Finished(batch: batch, tally: tally))
            }
            if shared.workerFinished(reportOnlyNew: worker.reportOnlyNew, reportOnlyOld: worker.reportOnlyOld) {
                results.close()
            }
        }
        thread.name = "agate-replay-worker"
        thread.stackSize = 1 << 22
        thread.start()
    }

    private static func size(of path: String) -> Int64? {
        guard path != "-", let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              (attributes[.type] as? FileAttributeType) == .typeRegular
        else { return nil }
        return (attributes[.size] as? NSNumber)?.int64Value
    }
}

/// A replayed batch on its way to the merger.
struct Finished: @unchecked Sendable {
    // The batch's buffer travels with it back to the pool; one owner at a time.
    var batch: LineBatch
    var tally: ReplayTally
}

/// Merges batch results strictly in batch order; early arrivals wait in `pending`.
private struct Merger {
    let configuration: ReplayConfiguration
    var tally = ReplayTally()
    private var next = 0
    private var pending: [Int: Finished] = [:]
    private var source = 0
    private var lineBase = 0

    init(configuration: ReplayConfiguration) { self.configuration = configuration }

    mutating func add(_ finished: Finished) {
        pending[finished.batch.index] = finished
        while let ready = pending.removeValue(forKey: next) {
            if ready.batch.source != source {
                source = ready.batch.source
                lineBase = 0
            }
            tally.absorb(ready.tally, lineBase: lineBase, examplesPerKind: configuration.examplesPerKind,
                         badLineSamples: configuration.badLineSamples)
            lineBase += ready.tally.lines
            next += 1
        }
    }
}

/// State the threads share: guarded by one lock, touched once per batch at most.
final class SharedState: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    private var remainingWorkers: Int
    private var error: LogInputError?
    private var counterNew = ByteCounter()
    private var counterOld = ByteCounter()

    init(workers: Int) { remainingWorkers = workers }

    var isCancelled: Bool { lock.withLock { cancelled } }
    func cancel() { lock.withLock { cancelled = true } }
    var readError: LogInputError? { lock.withLock { error } }
    func setReadError(_ e: LogInputError) { lock.withLock { error = e } }
    var reportOnlyNew: ByteCounter { lock.withLock { counterNew } }
    var reportOnlyOld: ByteCounter { lock.withLock { counterOld } }

    /// Returns true for the last worker to finish.
    func workerFinished(reportOnlyNew: ByteCounter, reportOnlyOld: ByteCounter) -> Bool {
        lock.withLock {
            counterNew.merge(reportOnlyNew)
            counterOld.merge(reportOnlyOld)
            remainingWorkers -= 1
            return remainingWorkers == 0
        }
    }
}

/// The buffer pool as the reader sees it: empty once the replay is cancelled.
struct CancellablePool: @unchecked Sendable {
    let pool: BlockingQueue<BatchBuffer>
    let shared: SharedState

    func pop() -> BatchBuffer? { shared.isCancelled ? nil : pool.pop() }
    func push(_ buffer: BatchBuffer) { pool.push(buffer) }
}
