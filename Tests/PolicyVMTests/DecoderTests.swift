import TestSupport
import Foundation
import PolicyLanguage
import Testing
@testable import PolicyVM

/// The request decoder: the contract of Request.swift, strictness, and hostile input.
@Suite struct DecoderTests {
    let set: CompiledPolicySet

    init() throws {
        set = try T.compile([T.policy("a", when: T.eq(T.dyn(.context, "n", .int), T.int(1)), T.allow()),
                             T.policy("b", when: T.eq(T.sig(.audience), T.str("é😀")), T.deny("emoji"))])
    }

    /// The single `invalid_request` error of a request that must not decode.
    func invalid(_ json: String) -> EvaluationError? {
        let answer = T.decide(set, json)
        guard answer.errors.count == 1, answer.errors[0].code == .invalidRequest else { return nil }
        #expect(answer.decision == .deny)
        #expect(answer.reasons == ["the request is invalid"])
        return answer.errors[0]
    }

    static let rejected: [(String, String, String)] = [
        ("[]", "", "a request must be a JSON object, found an array"),
        ("", "", "unexpected end of the request"),
        (#"{"subject":{"id":"x","kind":"agent"},"audience":"a"}"#, "location", "missing required field `location`"),
        (#"{"subject":{"kind":"agent"},"audience":"a","location":{"ip":"1.2.3.4"}}"#, "subject.id", "missing required field `subject.id`"),
        (#"{"subject":{"id":"x","kind":"robot"},"audience":"a","location":{"ip":"1.2.3.4"}}"#, "subject.kind", "`robot` is not a subject kind (agent, user, workload, service)"),
        (#"{"subject":{"id":"x","kind":"agent"},"audience":7,"location":{"ip":"1.2.3.4"}}"#, "audience", "expected a string, found a number"),
        (#"{"subject":{"id":"x","kind":"agent"},"audience":"a","location":{"ip":"1.2.3"}}"#, "location.ip", "`1.2.3` is not an IPv4 or IPv6 address"),
        (#"{"subject":{"id":"x","kind":"agent"},"audience":"a","location":{"ip":"01.2.3.4"}}"#, "location.ip", "`01.2.3.4` is not an IPv4 or IPv6 address"),
        (#"{"subject":{"id":"x","kind":"agent"},"audience":"a","location":{"ip":"1:2:3:4:5:6:7:8:9"}}"#, "location.ip", "`1:2:3:4:5:6:7:8:9` is not an IPv4 or IPv6 address"),
        (#"{"subject":{"id":"x","kind":"agent"},"audience":"a","location":{"ip":"1.2.3.4"},"time":"2026-02-30T00:00:00Z"}"#, "time", "`2026-02-30T00:00:00Z` is not an RFC 3339 timestamp"),
        (#"{"subject":{"id":"x","kind":"agent"},"audience":"a","location":{"ip":"1.2.3.4"},"time":"2026-11-20 14:00:00Z"}"#, "time", "`2026-11-20 14:00:00Z` is not an RFC 3339 timestamp"),
        (#"{"subject":{"id":"x","kind":"agent"},"audience":"a","location":{"ip":"1.2.3.4"},"time":"2026-11-20T14:00:00"}"#, "time", "`2026-11-20T14:00:00` is not an RFC 3339 timestamp"),
        (#"{"subject":{"id":"x","kind":"agent"},"audience":"a","location":{"ip":"1.2.3.4"},"risk":{"score":101}}"#, "risk.score", "risk score 101 is outside 0…100"),
        (#"{"subject":{"id":"x","kind":"agent"},"audience":"a","location":{"ip":"1.2.3.4"},"risk":{"score":1.5}}"#, "risk.score", "expected an integer, found a fractional number"),
        (#"{"subject":{"id":"x","kind":"agent"},"audience":"a","location":{"ip":"1.2.3.4"},"risk":{"level":"extreme"}}"#, "risk.level", "`extreme` is not a risk level (none, low, medium, high)"),
        (#"{"subject":{"id":"x","kind":"agent","colour":"red"},"audience":"a","location":{"ip":"1.2.3.4"}}"#, "subject.colour", "unknown field `subject.colour`"),
        // Names of the contract in the wrong object are unknown there, and named in full.
        (#"{"subject":{"id":"x","kind":"agent","level":"low"},"audience":"a","location":{"ip":"1.2.3.4"}}"#, "subject.level", "unknown field `subject.level`"),
        (#"{"subject":{"id":"x","kind":"agent"},"audience":"a","location":{"ip":"1.2.3.4","kind":"agent"}}"#, "location.kind", "unknown field `location.kind`"),
        (#"{"subject":{"id":"x","kind":"agent"},"audience":"a","location":{"ip":"1.2.3.4"},"on_behalf_of":[{"id":"u","kind":"user","ip":"1.2.3.4"}]}"#, "on_behalf_of[0].ip", "unknown field `on_behalf_of[0].ip`"),
        (#"{"subject":{"id":"x","kind":"agent"},"audience":"a","location":{"ip":"1.2.3.4"},"scopes":["a",3]}"#, "scopes[1]", "expected a string, found a number"),
        (#"{"subject":{"id":"x","kind":"agent","attributes":{"n":1.5}},"audience":"a","location":{"ip":"1.2.3.4"}}"#, "subject.attributes.n", "expected an integer, found a fractional number"),
        (#"{"subject":{"id":"x","kind":"agent","attributes":{"zz":{}}},"audience":"a","location":{"ip":"1.2.3.4"}}"#, "subject.attributes.zz", "an attribute must be a string, integer, boolean or array of strings, found an object"),
        (#"{"subject":{"id":"x","kind":"agent"},"audience":"a","location":{"ip":"1.2.3.4"},"on_behalf_of":[{"id":"u"}]}"#, "on_behalf_of[0].kind", "missing required field `on_behalf_of[0].kind`"),
        (#"{"subject":{"id":"x","kind":"agent"},"audience":"a"# + "\u{1}" + #"","location":{"ip":"1.2.3.4"}}"#, "audience", "control character in a string must be escaped"),
        (#"{"subject":{"id":"x","kind":"agent"},"audience":"\ud800","location":{"ip":"1.2.3.4"}}"#, "audience", "unpaired surrogate in a \\u escape"),
        (#"{"subject":{"id":"x","kind":"agent"},"audience":"\q","location":{"ip":"1.2.3.4"}}"#, "audience", "invalid escape `\\q` in a string"),
        (#"{"subject":{"id":"x","kind":"agent"},"audience":"a","location":{"ip":"1.2.3.4"}} x"#, "", "unexpected text after the request object"),
        (#"{"subject":{"id":"x","kind":"agent"},"audience":"a","location":{"ip":"1.2.3.4"},}"#, "", "expected a string, found an unexpected character"),
        (#"{"subject":{"id":"x","kind":"agent"},"audience":"a","location":{"ip":"1.2.3.4"},"risk":{"score":01}}"#, "risk.score", "invalid number: leading zero"),
    ]

    @Test(arguments: DecoderTests.rejected)
    func rejectsWithAPathAndMessage(_ json: String, _ path: String, _ message: String) {
        let error = invalid(json)
        #expect(error?.path == path)
        #expect(error?.message == message)
    }

    @Test func invalidUTF8IsRejected() {
        var bytes = Array(#"{"subject":{"id":"x","kind":"agent"},"audience":"a"#.utf8)
        bytes += [0xC3, 0x28]  // a lead byte followed by a non-continuation byte
        bytes += Array(#"","location":{"ip":"1.2.3.4"}}"#.utf8)
        var evaluator = Evaluator(set)
        #expect(evaluator.decide(json: bytes, now: 0) == .deny)
        #expect(evaluator.answer().errors.first?.message == "invalid UTF-8 in a string")
        #expect(evaluator.answer().errors.first?.path == "audience")
        for bad: [UInt8] in [[0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0xC0, 0x80]] {
            var input = Array(#"{"subject":{"id":"x","kind":"agent"},"audience":""#.utf8) + bad
            input += Array(#"","location":{"ip":"1.2.3.4"}}"#.utf8)
            #expect(evaluator.decide(json: input, now: 0) == .deny)
            #expect(evaluator.answer().errors.first?.message == "invalid UTF-8 in a string", "\(bad)")
        }
    }

    @Test func stringsOverFourKiBAreRejected() {
        let long = String(repeating: "x", count: 4097)
        #expect(invalid(T.request("\"scopes\":[\"\(long)\"]"))?.message == "string longer than 4096 bytes")
        let fits = String(repeating: "x", count: 4096)
        #expect(T.decide(set, T.request("\"scopes\":[\"\(fits)\"]")).errors.allSatisfy { $0.code != .invalidRequest })
    }

    @Test func setsOverTwoHundredFiftySixElementsAreRejected() {
        let items = (0..<257).map { "\"s\($0)\"" }.joined(separator: ",")
        let error = invalid(T.request("\"scopes\":[\(items)]"))
        #expect(error?.path == "scopes")
        #expect(error?.message == "a set may hold at most 256 elements")
    }

    @Test func nestingOverThirtyTwoIsRejected() {
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        let error = invalid(T.request("\"extra\":\(deep)"))
        #expect(error?.path == "extra")
        #expect(error?.message == "nesting deeper than 32 levels")
        let fine = String(repeating: "[", count: 20) + String(repeating: "]", count: 20)
        #expect(T.decide(set, T.request("\"extra\":\(fine)")).warnings == ["unknown field `extra`"])
    }

    /// Whitespace anywhere JSON allows it (before a `:` too, where member
    /// names leave the in-place fast path) decodes to the same answer.
    @Test func whitespaceAroundMembersDecodesAlike() {
        let compact = #"{"subject":{"id":"x","kind":"agent"},"audience":"aé","location":{"ip":"1.2.3.4"},"context":{"n":1}}"#
        let spaced = " {\n  \"subject\" : { \"id\" :\t\"x\" , \"kind\"\r\n: \"agent\" } ,\n"
            + "  \"audience\"   :   \"aé\" , \"location\" : { \"ip\" : \"1.2.3.4\" }, \"context\" : { \"n\" : 1 }\n}\n"
        let a = T.decide(set, compact), b = T.decide(set, spaced)
        #expect(a.errors.isEmpty && a.warnings.isEmpty)
        #expect(a.decision == b.decision && a.policies == b.policies && a.errors == b.errors)
        #expect(a.decision == .allow && a.policies == ["a"])
    }

    /// A top-level name that the contract uses elsewhere (`id`, `level`) is
    /// still an unknown top-level field, reported by its name.
    @Test func contractNamesAtTheTopAreUnknownFields() {
        #expect(T.decide(set, T.request("\"id\":1,\"level\":\"low\"")).warnings
                    == ["unknown field `id`", "unknown field `level`"])
    }

    @Test func escapesAndSurrogatePairsDecode() {
        // "é😀" written with escapes, the emoji as a surrogate pair.
        let answer = T.decide(set, #"{"subject":{"id":"x","kind":"agent"},"audience":"\u00e9\ud83d\ude00","location":{"ip":"1.2.3.4"}}"#)
        #expect(answer.decision == .deny)
        #expect(answer.policies == ["b"])
    }

    @Test func timestampsWithOffsetsAndFractions() {
        func parse(_ s: String) -> Int64? { Timestamps.parse(s) }
        #expect(parse("1970-01-01T00:00:00Z") == 0)
        #expect(parse("1970-01-01T01:00:00+01:00") == 0)
        #expect(parse("1969-12-31T23:59:59.999Z") == -1)
        #expect(parse("2026-11-20T14:03:00.123456z") == 1_795_183_380)
        #expect(parse("2024-02-29T00:00:00Z") != nil)
        #expect(parse("2023-02-29T00:00:00Z") == nil)
        #expect(parse("2026-11-20T24:00:00Z") == nil)
        #expect(parse("2026-11-20T14:03:00.Z") == nil)
    }

    /// Each member name's word constants match its bytes, and no near miss
    /// (one byte short, one byte more, one byte changed) is taken for it.
    @Test func keyWordsMatchTheirNames() {
        let names: [(String, Key)] = [
            ("subject", .subject), ("audience", .audience), ("scopes", .scopes), ("location", .location),
            ("time", .time), ("risk", .risk), ("on_behalf_of", .onBehalfOf), ("context", .context), ("id", .id),
            ("kind", .kind), ("blueprint", .blueprint), ("sponsor", .sponsor), ("groups", .groups),
            ("created", .created), ("attributes", .attributes), ("ip", .ip), ("country", .country),
            ("level", .level), ("score", .score), ("signals", .signals)]
        func key(_ bytes: [UInt8]) -> Key { bytes.withUnsafeBufferPointer { Key($0) } }
        for (name, expected) in names {
            let bytes = Array(name.utf8)
            #expect(key(bytes) == expected, "\(name)")
            #expect(key(Array(bytes.dropLast())) == .unknown, "\(name) minus its last byte")
            #expect(key(bytes + [UInt8(ascii: "s")]) == .unknown, "\(name) plus a byte")
            for i in bytes.indices {
                var changed = bytes
                changed[i] ^= 0x20
                #expect(key(changed) == .unknown, "\(name) with byte \(i) changed")
            }
        }
        #expect(key([]) == .unknown)
    }

    /// The decoder's byte parser agrees with the contract's readable one
    /// (`RequestJSONTime`) on valid timestamps and on 20,000 mutations of them.
    @Test func timestampParserAgreesWithTheContractReader() {
        var random = SeededRandom(seed: 0x7157)
        let alphabet = Array("0123456789-:+.TtZz ".utf8) + [0xC3, 0x00]
        let seeds = ["2026-11-20T14:03:00Z", "1969-12-31T23:59:59.999Z", "2024-02-29T23:59:60+05:30",
                     "2000-01-01t00:00:00-00:45", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.5z"]
        for seed in seeds { #expect(Timestamps.parse(seed) == RequestJSONTime.parse(seed), "\(seed)") }
        for _ in 0..<20_000 {
            let text = random.mutate(random.pick(seeds), alphabet: alphabet)
            #expect(Timestamps.parse(text) == RequestJSONTime.parse(text), "\(text)")
        }
    }

    /// Dotted quads as the decoder reads them agree with `inet_pton` (through
    /// the contract reader) on 20,000 mutations of valid ones.
    @Test func ipv4ParserAgreesWithInetPton() {
        var random = SeededRandom(seed: 0x1D4)
        let alphabet = Array("0123456789.".utf8)
        let seeds = ["10.1.2.3", "0.0.0.0", "255.255.255.255", "192.168.100.1", "1.22.133.4"]
        for _ in 0..<20_000 {
            let text = random.mutate(random.pick(seeds), alphabet: alphabet)
            #expect(Self.ip(text) == RequestJSONIP.parse(text), "\(text)")
        }
    }

    /// An address as the decoder reads it.
    static func ip(_ s: String) -> IPAddress? {
        var s = s
        return s.withUTF8 { TextFormats.ip($0) }
    }

    @Test func ipv6Forms() {
        #expect(Self.ip("::") == IPAddress(high: 0, low: 0, isV4: false))
        #expect(Self.ip("::1") == IPAddress(high: 0, low: 1, isV4: false))
        #expect(Self.ip("2001:db8::1") == IPAddress(high: 0x2001_0db8_0000_0000, low: 1, isV4: false))
        #expect(Self.ip("::ffff:1.2.3.4")?.low == 0x0000_FFFF_0102_0304)
        #expect(Self.ip("1::") == IPAddress(high: 0x0001_0000_0000_0000, low: 0, isV4: false))
        #expect(Self.ip("1:2:3:4:5:6:7:8")?.low == 0x0005_0006_0007_0008)
        for bad in ["1:::2", "1::2::3", ":1", "1:", "12345::", "1.2.3.4.5", "256.1.1.1", "::g", "", "1:2:3:4:5:6:7:8::"] {
            #expect(Self.ip(bad) == nil, "\(bad)")
        }
    }

    @Test func nullOptionalFieldsReadAsAbsent() {
        let answer = T.decide(set, T.request(subject: #""blueprint":null,"created":null"#, #""context":{"n":1}"#))
        #expect(answer.decision == .allow)
    }

    @Test func garbageNeverCrashes() {
        var generator = SystemRandomNumberGenerator()
        var evaluator = Evaluator(set)
        let valid = Array(T.request(#""context":{"n":1},"scopes":["a","b"]"#).utf8)
        for round in 0..<3000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0..<300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            } else {
                // Mutations of a valid request find the deeper paths.
                bytes = valid
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    let i = Int.random(in: 0..<bytes.count, using: &generator)
                    switch Int.random(in: 0..<3, using: &generator) {
                    case 0: bytes[i] = UInt8.random(in: 0...255, using: &generator)
                    case 1: bytes.remove(at: i)
                    default: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: i)
                    }
                    if bytes.isEmpty { break }
                }
            }
            let outcome = evaluator.decide(json: bytes, now: 0)
            let answer = evaluator.answer()
            if answer.errors.first?.code == .invalidRequest { #expect(outcome == .deny) }
        }
    }
}
