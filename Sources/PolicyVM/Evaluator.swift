import PolicyLanguage

/// Decides requests against one compiled policy set. One per worker thread
/// (do not share a copy between threads): it owns the request frame and the
/// scratch space, allocated once and reused by every call, so a decision
/// allocates nothing.
public struct Evaluator {
    public let policySet: CompiledPolicySet
    let state: EvaluatorState

    public init(_ policySet: CompiledPolicySet) {
        self.policySet = policySet
        state = EvaluatorState(policySet.program, hashJSON: policySet.hashJSON)
    }

    /// Decodes one request JSON object and decides; the details stay here until the next call.
    public mutating func decide(json: UnsafeRawBufferPointer, now: Int64) -> Outcome {
        state.decide(json: json, now: now, trace: false)
    }

    /// The two halves of `decide`, for benchmarks that time them apart:
    /// decode a request into the frame (false: invalid, answer already set)…
    public mutating func decode(json: UnsafeRawBufferPointer, now: Int64) -> Bool {
        state.decode(json: json, now: now)
    }

    /// Decodes the request object at the start of `json`, where more text may
    /// follow (a request inside a decision-log line), and returns the offset
    /// just past the object; nil when it does not decode (the answer is then
    /// set to an invalid-request deny).
    public mutating func decode(prefixOf json: UnsafeRawBufferPointer, now: Int64) -> Int? {
        state.decode(json: json, now: now, trailing: true)
    }

    /// …then decide the decoded request. Deciding again re-runs the same request.
    public mutating func decideDecoded() -> Outcome {
        state.invalid == nil ? state.run(trace: false) : .deny
    }

    /// Decodes a request into `request` instead of this evaluator's own
    /// frame, to be decided later by `decideDecoded(_:)`: the benchmarks hold
    /// many decoded requests and let one evaluator decide them in turn, as a
    /// worker's evaluator does. False when it does not decode.
    public mutating func decode(json: UnsafeRawBufferPointer, now: Int64, into request: DecodedRequest) -> Bool {
        state.use(request.frame)
        let decoded = state.decodeInPlace(json: json, now: now, trailing: false) != nil
        request.failure = state.invalid.map { ($0, state.invalidPath) }
        return decoded
    }

    /// Decides a request decoded by `decode(json:now:into:)`; the details
    /// (answer, matched policies) are this evaluator's until its next call,
    /// and read `request`, which must outlive them.
    public mutating func decideDecoded(_ request: DecodedRequest) -> Outcome {
        state.use(request.frame)
        guard let (failure, path) = request.failure else {
            // Assigned only when set: storing nil over nil still calls the runtime to release.
            if case .some = state.invalid { state.invalid = nil }
            return state.run(trace: false)
        }
        state.setInvalid(failure, path: path)
        return .deny
    }

    /// Appends the answer's fields without surrounding braces, in SEMANTICS.md's order:
    /// "decision":…,"policies":[…],"controls":…,"reasons":[…],"report_only":[…],"errors":[…],"warnings":[…],"policyset":"sha256:…"
    public func writeAnswerFields(into buffer: inout [UInt8]) {
        buffer.append(contentsOf: answerFields().assumingMemoryBound(to: UInt8.self))
    }

    /// The answer's fields, as `writeAnswerFields` appends them, in this
    /// evaluator's own buffer: valid until the next call that renders.
    public func answerFields() -> UnsafeRawBufferPointer {
        render { AnswerWriter.write($0, into: &$1) }
    }

    /// Pieces of the answer, for comparing answers without rendering them
    /// whole (replay), valid like `answerFields`: the `policies` array…
    public func policiesJSON() -> UnsafeRawBufferPointer {
        render { AnswerWriter.writePolicies($0, into: &$1) }
    }

    /// …the `controls` object or `null`…
    public func controlsJSON() -> UnsafeRawBufferPointer {
        render { AnswerWriter.writeControls($0, into: &$1) }
    }

    /// …and the `report_only` array.
    public func reportOnlyJSON() -> UnsafeRawBufferPointer {
        render { AnswerWriter.writeReportOnly($0, into: &$1) }
    }

    @inline(__always)
    private func render(_ write: (EvaluatorState, inout ByteSink) -> Void) -> UnsafeRawBufferPointer {
        state.rendered.removeAll()
        write(state, &state.rendered)
        return state.rendered.bytes
    }

    /// The policies the last answer names in `policies`, as indices into the
    /// set (`CompiledPolicySet.policyName`); valid until the next decision.
    public var matchedPolicies: UnsafeBufferPointer<Int32> {
        UnsafeBufferPointer(start: state.result.policies, count: state.result.policyCount)
    }

    /// Report-only results of the last decision.
    public var reportOnlyCount: Int { state.result.reportOnlyCount }

    /// Whether the last request did not decode.
    public var requestWasInvalid: Bool { state.invalid != nil }

    /// The materialised answer (allocates): for tests, replay, tokens.
    public func answer() -> Answer {
        AnswerWriter.answer(state, hash: policySet.hash)
    }

    /// Convenience for tests and tools: decide a request given as bytes.
    public mutating func decide(json: [UInt8], now: Int64) -> Outcome {
        json.withUnsafeBytes { decide(json: $0, now: now) }
    }
}

/// The evaluator's reusable storage and the last decision's details.
final class EvaluatorState {
    // What every decision reads comes first, so that it shares a few cache
    // lines (stored properties are laid out in the order declared): with many
    // evaluators taking turns, as a server's connections do, each line is a miss.
    /// The request being decoded or decided: `ownFrame`, or a `DecodedRequest`'s
    /// (see `use`). Unchecked, as an evaluator is never shared between threads
    /// and a checked access is a runtime call per read; unowned, as `ownFrame`
    /// or the `DecodedRequest` keeps it alive and a strong reference would
    /// cost a retain and a release per switch.
    @exclusivity(unchecked) private(set) unowned(unsafe) var frame: Frame
    /// The program's shared columns and index tables (owned by it: reading them retains nothing).
    let columns: UnsafePointer<PolicyColumns>
    let index: UnsafePointer<IndexTables>
    /// Built once: every pointer it holds (program tables, this frame, the
    /// scratch registers) stays put for the evaluator's life. Kept behind a
    /// pointer that `VM.run` reads field by field (a stored struct was copied,
    /// all 376 bytes, for every call).
    let vm: UnsafeMutablePointer<VM>
    let outcomes: VMOutcomes
    /// Candidate policies of the last request, ascending, and how each came out.
    let candidates: UnsafeMutablePointer<Int32>
    /// Zeroed scratch for the index's candidate bitset.
    let candidateBits: UnsafeMutablePointer<UInt64>
    let statuses: UnsafeMutablePointer<PolicyStatus>
    var candidateCount = 0
    /// Errors of the last request, in policy order.
    let errorPolicies: UnsafeMutablePointer<Int32>
    let errors: UnsafeMutablePointer<VMError>
    var errorCount = 0
    var result: CombinedResult
    var invalid: DecodeFailure?

    let ownFrame: Frame
    unowned(unsafe) let program: Program
    let programOwner: Program
    /// Copies of fixed pointers, so the hot path reads them without touching (retaining) the objects.
    let texts: PolicyTexts
    let lookup: SymbolLookup
    let dynamicSlots: UnsafeBufferPointer<UnsafeBufferPointer<Int32>>
    /// This evaluator's own copy of the policy-set hash as JSON: a shared
    /// array would have its reference count bumped by every answer on every core.
    let hashJSON: UnsafeBufferPointer<UInt8>
    let registers: UnsafeMutablePointer<Cell>
    let iterSets: UnsafeMutablePointer<Cell>
    let iterIndex: UnsafeMutablePointer<Int>
    let regex = RegexScratch()
    /// Explain mode: executed tests per candidate.
    var trace: UnsafeMutablePointer<TraceEntry>?
    var traces: [[TraceEntry]] = []
    var invalidPath = ""
    /// The last rendered answer (or piece of one).
    var rendered = ByteSink(capacity: 1024)

    init(_ program: Program, hashJSON: [UInt8]) {
        self.program = program
        programOwner = program
        ownFrame = Frame(dynamicSlots: program.dynamicSlotCount)
        frame = ownFrame
        columns = UnsafePointer(program.columns)
        index = UnsafePointer(program.index.tables)
        texts = program.texts
        lookup = program.lookup
        dynamicSlots = program.dynamicSlotBySymbol
        self.hashJSON = Program.freeze(hashJSON)
        let registerCount = max(1, program.registerCount)
        registers = .allocate(capacity: registerCount)
        registers.initialize(repeating: .zero, count: registerCount)
        iterSets = .allocate(capacity: registerCount)
        iterSets.initialize(repeating: .zero, count: registerCount)
        iterIndex = .allocate(capacity: registerCount)
        iterIndex.initialize(repeating: 0, count: registerCount)
        let n = max(1, program.policies.count)
        candidates = .allocate(capacity: n)
        candidateBits = .allocate(capacity: program.index.bitsetWords)
        candidateBits.initialize(repeating: 0, count: program.index.bitsetWords)
        statuses = .allocate(capacity: n)
        errorPolicies = .allocate(capacity: n)
        errors = .allocate(capacity: n)
        result = CombinedResult(policyCount: n)
        vm = .allocate(capacity: 1)
        vm.initialize(to: VM(code: program.code.baseAddress!, constants: program.constants.baseAddress!,
                             signals: frame.signals, dynamicCells: frame.dynamicCells,
                             dynamicTypes: frame.dynamicTypes, dynamicReads: program.dynamicReads.baseAddress!,
                             elements: frame.elements, setCells: program.setCells.baseAddress!,
                             setKeys: program.setKeys.baseAddress!, sets: program.sets.baseAddress!,
                             networks: program.networks.baseAddress!, cidrTables: program.cidrTables.baseAddress!,
                             registers: registers, iterSets: iterSets, iterIndex: iterIndex,
                             hot: UnsafePointer(program.hot),
                             matchData: regex.data))
        outcomes = VMOutcomes(statuses: statuses, errorPolicies: errorPolicies, errors: errors, trace: nil,
                              traceCapacity: 0)
    }

    deinit {
        registers.deallocate(); iterSets.deallocate(); iterIndex.deallocate()
        candidates.deallocate(); candidateBits.deallocate(); statuses.deallocate(); errorPolicies.deallocate(); errors.deallocate()
        result.release()
        hashJSON.deallocate()
        vm.deinitialize(count: 1)
        vm.deallocate()
        trace?.deallocate()
        rendered.deallocate()
    }

    /// Points the evaluator (and its VM) at `frame`.
    @inline(__always)
    func use(_ frame: Frame) {
        guard frame !== self.frame else { return }
        precondition(frame.dynamicCount == ownFrame.dynamicCount, "a DecodedRequest of another policy set")
        self.frame = frame
        vm.pointee.signals = UnsafePointer(frame.signals)
        vm.pointee.dynamicCells = UnsafePointer(frame.dynamicCells)
        vm.pointee.dynamicTypes = UnsafePointer(frame.dynamicTypes)
        vm.pointee.elements = UnsafePointer(frame.elements)
    }

    func decide(json: UnsafeRawBufferPointer, now: Int64, trace tracing: Bool) -> Outcome {
        guard decode(json: json, now: now) else { return .deny }
        return run(trace: tracing)
    }

    /// Decodes into the frame; false (the answer set to an invalid-request
    /// deny) when the request does not decode.
    func decode(json: UnsafeRawBufferPointer, now: Int64) -> Bool {
        decode(json: json, now: now, trailing: false) != nil
    }

    /// Decodes into the frame; the offset just past the request object, or nil
    /// (the answer set to an invalid-request deny) when it does not decode.
    func decode(json: UnsafeRawBufferPointer, now: Int64, trailing: Bool) -> Int? {
        use(ownFrame)
        return decodeInPlace(json: json, now: now, trailing: trailing)
    }

    /// `decode` into whichever frame the evaluator uses now.
    func decodeInPlace(json: UnsafeRawBufferPointer, now: Int64, trailing: Bool) -> Int? {
        candidateCount = 0
        errorCount = 0
        do {
            let end = try RequestDecoder.decode(json, now: now, into: frame, symbols: lookup, dynamicSlots: dynamicSlots,
                                                trailing: trailing)
            invalid = nil
            return end
        } catch {
            setInvalid(error, path: error.path.render(frame))
            return nil
        }
    }

    /// The answer becomes an invalid-request deny, naming `failure` at `path`.
    func setInvalid(_ failure: DecodeFailure, path: String) {
        invalid = failure
        invalidPath = path
        result.setInvalid()
    }

    /// Decides the request in the frame: index, candidates, combinator.
    func run(trace tracing: Bool) -> Outcome {
        candidateCount = index.pointee.candidates(signals: frame.signals, present: frame.present, bits: candidateBits,
                                          into: candidates)
        var traced = 0
        guard tracing else {
            errorCount = VM.run(vm, candidates: candidates, count: candidateCount,
                                entries: columns.pointee.fastEntries.baseAddress!, present: frame.present,
                                frameBytes: frame.bytes, out: outcomes, traced: &traced)
            return Combinator.combine(self)
        }
        // Explain mode: one policy at a time, so each gets its own trace.
        let capacity = 4096
        let trace = self.trace ?? .allocate(capacity: capacity)
        self.trace = trace
        traces = []
        errorCount = 0
        for i in 0..<candidateCount {
            let out = VMOutcomes(statuses: statuses + i, errorPolicies: errorPolicies + errorCount,
                                 errors: errors + errorCount, trace: trace, traceCapacity: capacity)
            errorCount += VM.run(vm, candidates: candidates + i, count: 1, entries: columns.pointee.entries.baseAddress!,
                                 present: frame.present, frameBytes: frame.bytes, out: out, traced: &traced)
            traces.append(Array(UnsafeBufferPointer(start: trace, count: traced)))
        }
        return Combinator.combine(self)
    }
}

/// A request decoded by `Evaluator.decode(json:now:into:)`, held apart from
/// any evaluator until one decides it. Made for one policy set's evaluators.
public final class DecodedRequest {
    let frame: Frame
    /// Why it did not decode, and the JSON path, rendered.
    var failure: (DecodeFailure, String)?

    public init(for policySet: CompiledPolicySet) {
        frame = Frame(dynamicSlots: policySet.program.dynamicSlotCount)
    }
}
