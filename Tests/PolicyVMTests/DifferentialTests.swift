import Foundation
import PolicyLanguage
import Testing
@testable import PolicyVM

/// VM ≡ reference evaluator on generated policy sets (as source text, so the
/// parser and checker run too) and generated requests (as JSON, so the VM's
/// decoder runs too): decision, policies, controls, reasons, report_only,
/// error codes and warnings must be equal.
///
/// `AGATE_DIFF_CASES` sets the number of requests (default 100,000),
/// `AGATE_DIFF_SEED` the first seed (default 1). A mismatch prints the seed,
/// the request, both answers and a policy set shrunk to the policies needed.
@Suite("Differential: VM ≡ reference evaluator")
struct DifferentialTests {
    static let environment = ProcessInfo.processInfo.environment
    static let cases = environment["AGATE_DIFF_CASES"].flatMap(Int.init) ?? 100_000
    static let firstSeed = environment["AGATE_DIFF_SEED"].flatMap(UInt64.init) ?? 1
    static let requestsPerSet = 250

    /// Shards run in parallel; shard k takes seeds `firstSeed + k`, `+ shards`, ….
    static let shards = 4

    @Test(arguments: 0..<shards)
    func vmAgreesWithTheReference(shard: Int) throws {
        var run = DifferentialRun()
        let quota = Self.cases / Self.shards + (shard < Self.cases % Self.shards ? 1 : 0)
        var seed = Self.firstSeed + UInt64(shard)
        while run.requests < quota && run.mismatches.count < 5 {
            run.check(seed: seed, requests: min(Self.requestsPerSet, quota - run.requests))
            seed += UInt64(Self.shards)
        }
        print("differential shard \(shard): \(run.requests) requests over \(run.sets) policy sets "
              + "(seeds \(Self.firstSeed + UInt64(shard)), +\(Self.shards)… <\(seed)), "
              + "\(run.rejected) generated sets rejected by the checker, \(run.mismatches.count) mismatches; "
              + "allow \(run.allows), errors \(run.errorCodes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" })")
        for mismatch in run.mismatches { Issue.record(Comment(rawValue: mismatch)) }
        guard run.requests >= 5000 else { return }
        // The generator must mostly write valid policies, or the test proves little.
        #expect(run.rejected * 20 <= run.sets + run.rejected, "first rejection: \(run.firstRejection ?? "")")
        #expect(run.allows > run.requests / 20 && run.allows < run.requests * 19 / 20)
        for code in ["absent_signal", "absent_attribute", "attribute_type", "regex_limit", "invalid_request"] {
            #expect(run.errorCodes[code, default: 0] > 0, "no `\(code)` error was ever produced")
        }
    }
}

/// One differential run's counters and findings.
struct DifferentialRun {
    var sets = 0
    var rejected = 0
    var requests = 0
    var allows = 0
    var errorCodes: [String: Int] = [:]
    var mismatches: [String] = []
    var firstRejection: String?

    mutating func check(seed: UInt64, requests count: Int) {
        var policyGenerator = PolicyGenerator(seed: seed)
        let generated = policyGenerator.generate(policies: Int(seed % 12) + 1)
        guard let pair = DifferentialPair(source: generated.source) else {
            rejected += 1
            if firstRejection == nil {
                firstRejection = "seed \(seed):\n\(generated.source)\n"
                    + (DifferentialPair.diagnostics(generated.source) ?? "")
            }
            return
        }
        sets += 1
        var pairForSet = pair
        var requestGenerator = RequestGenerator(seed: seed &* 0x9E37_79B9 &+ 17, schedules: generated.schedules)
        for index in 0..<count {
            let request = requestGenerator.request()
            var json = request.json()
            let mutated = index % 37 == 5
            if mutated { json = RequestMutation.apply(index / 37, to: json) }
            // The oracle reads the request value itself, or (mutated requests and every
            // tenth one) what the readable decoder makes of the JSON.
            let (expected, got) = mutated || index % 10 == 0
                ? pairForSet.compare(json: json)
                : pairForSet.compare(json: json, request: Request.normalised(request))
            requests += 1
            if got.decision == "allow" { allows += 1 }
            for error in got.errors { errorCodes[error.code, default: 0] += 1 }
            if expected != got {
                mismatches.append(DifferentialRepro.describe(seed: seed, requestIndex: index, generated: generated,
                                                             json: json, expected: expected, got: got))
                if mismatches.count >= 5 { return }
            }
        }
    }
}

/// A policy set loaded twice: compiled for the VM and kept checked for the oracle.
struct DifferentialPair {
    var evaluator: Evaluator
    let reference: ReferenceEvaluator
    /// The clock for requests without `time`.
    static let now: Int64 = 1_790_000_000

    /// For each seed whose generated set of `policies` policies compiles, the
    /// pair and `requests` requests generated for it, in turn. Returns how
    /// many requests ran.
    @discardableResult
    static func forEachGenerated(seeds: Range<UInt64>, policies: Int = 8, requests: Int = 100,
                                 _ body: (inout DifferentialPair, Request, UInt64) -> Void) -> Int {
        var count = 0
        for seed in seeds {
            var generator = PolicyGenerator(seed: seed)
            let generated = generator.generate(policies: policies)
            // Both index layouts, alternately (each must agree with the oracle).
            guard var pair = DifferentialPair(source: generated.source, indexLayout: seed % 2 == 0 ? .bitsets : .lists)
            else { continue }
            var requestGenerator = RequestGenerator(seed: seed, schedules: generated.schedules)
            for _ in 0..<requests {
                body(&pair, requestGenerator.request(), seed)
                count += 1
            }
        }
        return count
    }

    init?(source: String, indexLayout: PolicyIndex.Layout = .automatic) {
        guard let checked = PolicyFrontend.check(source).policySet,
              let compiled = try? CompiledPolicySet.compile(checked, indexLayout: indexLayout) else { return nil }
        evaluator = Evaluator(compiled)
        reference = ReferenceEvaluator(checked)
    }

    static func diagnostics(_ source: String) -> String? {
        let result = PolicyFrontend.check(source)
        return result.diagnostics.filter { $0.severity == .error }.map { "\($0)" }.joined(separator: "\n")
    }

    /// (oracle, VM) answers for a request given both as text and as the value it decodes to.
    mutating func compare(json: String, request: Request) -> (expected: ComparableAnswer, got: ComparableAnswer) {
        _ = evaluator.decide(json: Array(json.utf8), now: Self.now)
        return (reference.decide(request), ComparableAnswer(evaluator.answer()))
    }

    /// (oracle, VM) answers for one request text.
    mutating func compare(json: String) -> (expected: ComparableAnswer, got: ComparableAnswer) {
        let bytes = Array(json.utf8)
        _ = evaluator.decide(json: bytes, now: Self.now)
        let got = ComparableAnswer(evaluator.answer())
        var expected: ComparableAnswer
        do {
            let (request, unknown) = try Request.decode(json: Data(bytes), now: Self.now)
            expected = reference.decide(request)
            expected.warnings = unknown.map { "unknown field `\($0)`" }
        } catch {
            expected = .invalidRequest
        }
        return (expected, got)
    }
}

extension ComparableAnswer {
    init(_ answer: Answer) {
        self.init(decision: answer.decision.name, policies: answer.policies,
                  controls: answer.controls.map { Controls(tokenLifetime: $0.tokenLifetime, scopes: $0.scopes, require: $0.require) },
                  reasons: answer.reasons,
                  reportOnly: answer.reportOnly.map { ReportOnly(policy: $0.policy, would: $0.would.rawValue) },
                  errors: answer.errors.map { ErrorEntry(policy: $0.policy, code: $0.code.rawValue) },
                  warnings: answer.warnings)
    }

    /// SEMANTICS.md: a request that does not decode is denied before any policy runs.
    static let invalidRequest = ComparableAnswer(
        decision: "deny", policies: [], controls: nil, reasons: ["the request is invalid"], reportOnly: [],
        errors: [ErrorEntry(policy: nil, code: "invalid_request")], warnings: [])
}

/// Shrinks a mismatch to the fewest policies that still show it, and prints it.
enum DifferentialRepro {
    static func describe(seed: UInt64, requestIndex: Int, generated: GeneratedPolicySet, json: String,
                         expected: ComparableAnswer, got: ComparableAnswer) -> String {
        let minimal = shrink(generated, json: json)
        var pair = DifferentialPair(source: minimal.source)
        let (minimalExpected, minimalGot) = pair?.compare(json: json) ?? (expected, got)
        return """
            VM and reference disagree: seed \(seed), request #\(requestIndex) \
            (AGATE_DIFF_SEED=\(seed) AGATE_DIFF_CASES=\(requestIndex + 1) reproduces it)
            request: \(json)
            minimal policy set (\(minimal.policies.count) of \(generated.policies.count) policies):
            \(minimal.source)
            expected (reference): \(minimalExpected)
            got (VM):             \(minimalGot)
            """
    }

    static func shrink(_ generated: GeneratedPolicySet, json: String) -> GeneratedPolicySet {
        var current = generated
        var index = 0
        while index < current.policies.count {
            var candidate = current
            candidate.policies.remove(at: index)
            if var pair = DifferentialPair(source: candidate.source) {
                let (expected, got) = pair.compare(json: json)
                if expected != got {
                    current = candidate
                    continue
                }
            }
            index += 1
        }
        return current
    }
}

/// Turns a valid request text into an invalid one (or one with an unknown field),
/// to diff the two decoders' verdicts.
enum RequestMutation {
    static func apply(_ variant: Int, to json: String) -> String {
        guard var object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return json }
        switch variant % 12 {
        case 0: object["zz_extra"] = 1
        case 1: object["location"] = ["ip": "10.1.2.300"]
        case 2: object["audience"] = nil
        case 3: object["scopes"] = "Reports.Read"
        case 4: object["risk"] = ["score": 101]
        case 5: object["subject"] = ["id": "a", "kind": "robot"]
        case 6: object["time"] = "2026-13-01T00:00:00Z"
        case 7: object["scopes"] = (0...RequestLimits.maxSetElements).map { "s\($0)" }
        case 8: object["audience"] = String(repeating: "x", count: RequestLimits.maxStringBytes + 1)
        case 9: return "[" + json + "]"
        case 10: return String(json.dropLast())
        default: object["context"] = ["deep": (0..<40).reduce([Any]()) { inner, _ in [inner] }]
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return json }
        return String(decoding: data, as: UTF8.self)
    }
}
