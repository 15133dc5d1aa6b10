import Foundation
import PolicyLanguage
import Testing
@testable import PolicyVM

/// "Type-checks ⇒ no runtime type error": for every generated policy set the
/// checker accepts, the only runtime errors are the dynamic ones SEMANTICS.md
/// lists, each where it can arise.
@Suite("Property: checked policies have no runtime type errors")
struct PropertyTests {
    static let dynamicCodes: Set<String> = ["absent_signal", "absent_attribute", "attribute_type", "regex_limit"]

    /// Every error, on any request, is one of the four dynamic kinds, in both the VM
    /// and the oracle (whose own type assertions would show as `internal_type_error`).
    @Test func onlyDynamicErrorsHappen() {
        let requests = DifferentialPair.forEachGenerated(seeds: 10_000..<10_120) { pair, request, seed in
            let (expected, got) = pair.compare(json: request.json())
            for error in got.errors + expected.errors {
                #expect(Self.dynamicCodes.contains(error.code), "seed \(seed): \(error.code) in \(error.policy ?? "-")")
            }
        }
        #expect(requests > 10_000)
    }

    /// With every optional signal present and no dynamic attribute given, only
    /// `absent_attribute` (reading an attribute) and `regex_limit` can happen:
    /// never `absent_signal`, never `attribute_type`.
    @Test func completeRequestsOnlyMissAttributes() {
        let checkedRequests = DifferentialPair.forEachGenerated(seeds: 20_000..<20_120) { pair, generated, seed in
            var request = generated
            request.subject.blueprint = request.subject.blueprint ?? "bp"
            request.subject.sponsor = request.subject.sponsor ?? "s@contoso.com"
            request.subject.created = request.subject.created ?? request.time - 3600
            request.country = request.country ?? "GB"
            if request.onBehalfOf.isEmpty { request.onBehalfOf = [.init(id: "user-7", kind: .user)] }
            request.subject.attributes = [:]
            request.context = [:]
            let (expected, got) = pair.compare(json: request.json())
            for error in got.errors + expected.errors {
                #expect(error.code == "absent_attribute" || error.code == "regex_limit",
                        "seed \(seed): \(error.code) in \(error.policy ?? "-")")
            }
        }
        #expect(checkedRequests > 10_000)
    }
}
