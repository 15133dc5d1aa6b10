import Foundation
import PolicyLanguage
import PolicyVM
import Testing

/// The evaluator renders answers straight from its result into its own
/// buffer; `Answer.json()` renders the materialised answer. The two must be
/// the same bytes: the server logs the first and replay compares against it.
@Suite struct AnswerRenderingTests {
    @Test func renderedAnswerIsTheAnswersJSON() {
        let answers = DifferentialPair.forEachGenerated(seeds: 20_000..<20_040) { pair, request, seed in
            _ = pair.evaluator.decide(json: Array(request.json().utf8), now: DifferentialPair.now)
            Self.expectRenderedAlike(pair.evaluator, "seed \(seed)")
        }
        #expect(answers > 3_000)
    }

    /// Granted scopes are copied from the request: 200 long ones make an
    /// answer many times the buffer's first size, and the smaller answer
    /// after it must not keep any of its bytes.
    @Test func answersLargerThanTheBufferRenderWhole() throws {
        let source = """
        policy grant_what_is_asked {
          allow { token_lifetime 1h }
        }
        """
        let checked = try #require(PolicyFrontend.check(source).policySet)
        var evaluator = Evaluator(try CompiledPolicySet.compile(checked))
        let scopes = (0..<200).map { "\"Scope.\($0).\(String(repeating: "x", count: 60))\"" }
        let large = #"{"subject":{"id":"a","kind":"agent"},"audience":"api","location":{"ip":"10.0.0.1"},"scopes":[\#(scopes.joined(separator: ","))]}"#
        let small = #"{"subject":{"id":"a","kind":"agent"},"audience":"api","location":{"ip":"10.0.0.1"},"scopes":["One"]}"#
        for json in [large, small, large, "{\"subject\":", small] {
            _ = evaluator.decide(json: Array(json.utf8), now: DifferentialPair.now)
            Self.expectRenderedAlike(evaluator, json)
        }
        _ = evaluator.decide(json: Array(large.utf8), now: DifferentialPair.now)
        #expect(evaluator.answerFields().count > 12_000)
    }

    static func expectRenderedAlike(_ evaluator: Evaluator, _ context: String) {
        let answer = evaluator.answer()
        let fields = Array(evaluator.answerFields())
        #expect("{" + String(decoding: fields, as: UTF8.self) + "}" == answer.json(), "\(context)")
        var appended: [UInt8] = [1, 2]
        evaluator.writeAnswerFields(into: &appended)
        #expect(appended == [1, 2] + fields, "\(context)")
        // Each piece is the text that follows its member name in the whole.
        let pieces: [(String, [UInt8])] = [
            ("\"policies\":", Array(evaluator.policiesJSON())),
            ("\"controls\":", Array(evaluator.controlsJSON())),
            ("\"report_only\":", Array(evaluator.reportOnlyJSON())),
        ]
        let text = String(decoding: fields, as: UTF8.self)
        for (name, piece) in pieces {
            #expect(text.contains(name + String(decoding: piece, as: UTF8.self) + ","), "\(context): \(name)")
        }
    }
}
