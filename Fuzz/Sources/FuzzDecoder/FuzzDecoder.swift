import Foundation
import PolicyVM

/// A policy set that reads every kind of signal, so decoded values reach
/// symbols, sets, patterns, regexes, networks, schedules and attributes.
let policies = """
    policyset "fuzz"
    default deny

    policy reads {
      target subject.blueprint like "fin-*"
      when "finance" in subject.groups and location.ip in [10.0.0.0/8, 2001:db8::/32]
       and time in schedule mon..fri 08:00..18:00 "Europe/London"
       and (all s in scopes: s matches /^Reports\\.(Read|Write)$/)
      allow {
        token_lifetime 15m
        scopes ["Reports.Read"]
      }
    }

    policy attributes {
      when subject.attributes.level >= 3 and context.ticket like "INC-*"
       and delegation.depth <= 2 and risk.level < high
      allow
    }

    policy country {
      when location has country and location.country not in ["GB", "IE"]
      deny "outside the allowed countries"
    }
    """

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
