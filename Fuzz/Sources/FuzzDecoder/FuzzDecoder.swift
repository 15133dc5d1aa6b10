import Foundation
import FuzzPolicies
import PolicyVM

/// Every kind of signal, the clock included.
let policies = FuzzPolicies.text(name: "fuzz", clock: true, reportOnly: false)

let compiled: CompiledPolicySet = {
    guard case .compiled(let set, _, _) = PolicySetLoader.load(text: policies) else {
        fatalError("the fuzz policy set does not compile")
    }
    return set
}()
nonisolated(unsafe) var evaluator = Evaluator(compiled)

/// libFuzzer entry point: arbitrary bytes as a request, whole and as the
/// prefix of a longer text (replay's mode). The decoder must turn any input
/// into an answer: an invalid request is a deny carrying `invalid_request`,
/// and the answer is always valid JSON.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let outcome = evaluator.decide(json: input, now: 1_795_435_200)
    if evaluator.requestWasInvalid {
        precondition(outcome == .deny, "an invalid request was not denied")
    }
    var fields: [UInt8] = [UInt8(ascii: "{")]
    evaluator.writeAnswerFields(into: &fields)
    fields.append(UInt8(ascii: "}"))
    guard let answer = try? JSONSerialization.jsonObject(with: Data(fields)) as? [String: Any] else {
        preconditionFailure("the answer is not a JSON object: \(String(decoding: fields, as: UTF8.self))")
    }
    precondition((answer["decision"] as? String) == (outcome == .allow ? "allow" : "deny"), "answer disagrees")
    if evaluator.requestWasInvalid {
        let codes = (answer["errors"] as? [[String: Any]])?.compactMap { $0["code"] as? String }
        precondition(codes == ["invalid_request"], "an invalid request's answer lacks invalid_request")
    }
    if let end = evaluator.decode(prefixOf: input, now: 1_795_435_200) {
        precondition(end > 0 && end <= size, "the request ended outside the input")
    }
    return 0
}
