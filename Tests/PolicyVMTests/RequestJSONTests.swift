import Foundation
import PolicyLanguage
import Testing
@testable import PolicyVM

@Suite("Request ⇄ JSON (the readable path)")
struct RequestJSONTests {
    static let minimal = #"{"subject":{"id":"a","kind":"agent"},"audience":"x","location":{"ip":"10.1.2.3"},"time":"2026-11-20T14:03:00Z"}"#

    private func decode(_ text: String) throws(RequestJSONError) -> Request {
        try Request(json: Data(text.utf8), now: 0)
    }

    private func failure(_ text: String) -> RequestJSONError? {
        do {
            _ = try decode(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func minimalRequestTakesTheDefaults() throws {
        let r = try decode(Self.minimal)
        #expect(r.subject.id == "a" && r.subject.kind == .agent)
        #expect(r.subject.blueprint == nil && r.subject.groups.isEmpty && r.subject.risk == .none)
        #expect(r.scopes.isEmpty && r.country == nil && r.riskLevel == .none && r.riskScore == 0)
        #expect(r.time == 1_795_183_380)
        #expect(r.onBehalfOf.isEmpty && r.context.isEmpty)
    }

    @Test func absentTimeIsTheClock() throws {
        let r = try Request(json: Data(#"{"subject":{"id":"a","kind":"user"},"audience":"x","location":{"ip":"::1"}}"#.utf8),
                            now: 42)
        #expect(r.time == 42)
    }

    @Test func generatedRequestsRoundTrip() throws {
        var generator = RequestGenerator(seed: 7, schedules: [([1, 2, 3], 3600, 7200, "Europe/London")])
        for _ in 0..<2000 {
            let request = generator.request()
            let decoded = try Request(json: Data(request.json().utf8), now: 0)
            #expect(decoded.json() == Request.normalised(request).json())
            #expect(decoded == Request.normalised(request))
        }
    }

    @Test func setsDropDuplicatesKeepingFirstOccurrence() throws {
        // `a` + combining acute and precomposed `á` are different bytes: both stay.
        let text = Self.minimal.replacingOccurrences(
            of: #""audience""#, with: #""scopes":["b","a","b","a\u0301","\u00e1","a"],"audience""#)
        let scopes = try decode(text).scopes.map { Array($0.utf8) }
        #expect(scopes == [[0x62], [0x61], [0x61, 0xCC, 0x81], [0xC3, 0xA1]])
    }

    @Test func timeFormats() {
        #expect(RequestJSONTime.parse("1970-01-01T00:00:00Z") == 0)
        #expect(RequestJSONTime.parse("2026-11-20T14:03:00.999Z") == 1_795_183_380)
        #expect(RequestJSONTime.parse("2026-11-20T15:03:00+01:00") == 1_795_183_380)
        #expect(RequestJSONTime.parse("2026-11-20t14:03:00z") == 1_795_183_380)
        #expect(RequestJSONTime.parse("1969-12-31T23:59:59Z") == -1)
        #expect(RequestJSONTime.format(-1) == "1969-12-31T23:59:59Z")
        #expect(RequestJSONTime.format(951_782_400) == "2000-02-29T00:00:00Z")
        for bad in ["2026-02-29T00:00:00Z", "2026-11-20 14:03:00Z", "2026-11-20T24:00:00Z", "2026-11-20T14:03:00",
                    "2026-11-20T14:03:00+0100", "2026-13-01T00:00:00Z", "2026-11-20T14:03:00.Z", ""] {
            #expect(RequestJSONTime.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func addressesPrintCanonically() throws {
        #expect(RequestJSONIP.format(RequestJSONIP.parse("2001:0DB8:0000::0001")!) == "2001:db8::1")
        #expect(RequestJSONIP.format(RequestJSONIP.parse("10.0.0.255")!) == "10.0.0.255")
        let v4 = try #require(RequestJSONIP.parse("10.1.2.3"))
        #expect(v4.isV4 && v4.high == 0 && v4.low == 0xFFFF_0A01_0203)
        let mapped = try #require(RequestJSONIP.parse("::ffff:10.1.2.3"))
        #expect(!mapped.isV4 && mapped.low == v4.low)
        #expect(RequestJSONIP.parse("10.1.2") == nil && RequestJSONIP.parse("1:2:3") == nil)
    }

    static let invalid: [(String, String)] = [
        ("[]", ""),
        ("{", ""),
        (#"{"audience":"x","location":{"ip":"10.1.2.3"}}"#, "subject"),
        (#"{"subject":{"kind":"agent"},"audience":"x","location":{"ip":"10.1.2.3"}}"#, "subject.id"),
        (#"{"subject":{"id":1,"kind":"agent"},"audience":"x","location":{"ip":"10.1.2.3"}}"#, "subject.id"),
        (#"{"subject":{"id":"a","kind":"robot"},"audience":"x","location":{"ip":"10.1.2.3"}}"#, "subject.kind"),
        (#"{"subject":{"id":"a","kind":"agent"},"audience":"x","location":{"ip":"10.1.2.300"}}"#, "location.ip"),
        (#"{"subject":{"id":"a","kind":"agent"},"audience":"x","location":{"ip":"10.1.2.3"},"time":"yesterday"}"#, "time"),
        (#"{"subject":{"id":"a","kind":"agent"},"audience":true,"location":{"ip":"10.1.2.3"}}"#, "audience"),
        (#"{"subject":{"id":"a","kind":"agent","groups":["a",2]},"audience":"x","location":{"ip":"10.1.2.3"}}"#, "subject.groups[1]"),
        (#"{"subject":{"id":"a","kind":"agent"},"audience":"x","location":{"ip":"10.1.2.3"},"risk":{"score":101}}"#, "risk.score"),
        (#"{"subject":{"id":"a","kind":"agent"},"audience":"x","location":{"ip":"10.1.2.3"},"risk":{"score":1.5}}"#, "risk.score"),
        (#"{"subject":{"id":"a","kind":"agent"},"audience":"x","location":{"ip":"10.1.2.3"},"risk":{"level":"severe"}}"#, "risk.level"),
        (#"{"subject":{"id":"a","kind":"agent"},"audience":"x","location":{"ip":"10.1.2.3"},"context":{"n":null}}"#, "context.n"),
        (#"{"subject":{"id":"a","kind":"agent"},"audience":"x","location":{"ip":"10.1.2.3"},"on_behalf_of":[{"id":"u"}]}"#, "on_behalf_of[0].kind"),
    ]

    @Test(arguments: invalid)
    func invalidRequestsNameTheirPath(text: String, path: String) {
        #expect(failure(text)?.path == path, "\(text)")
    }

    @Test func limitsAreEnforced() {
        let many = "[" + (0...RequestLimits.maxSetElements).map { "\"s\($0)\"" }.joined(separator: ",") + "]"
        #expect(failure(Self.minimal.replacingOccurrences(of: #""audience""#, with: #""scopes":\#(many),"audience""#))?.path == "scopes")
        let long = String(repeating: "x", count: RequestLimits.maxStringBytes + 1)
        #expect(failure(Self.minimal.replacingOccurrences(of: #""audience":"x""#, with: #""audience":"\#(long)""#))?.path == "audience")
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        #expect(failure(Self.minimal.replacingOccurrences(of: #""audience""#, with: #""context":{"d":\#(deep)},"audience""#)) != nil)
        var bytes = Array(Self.minimal.utf8)
        bytes.insert(0xFF, at: bytes.firstIndex(of: UInt8(ascii: "x"))!)
        #expect((try? Request(json: Data(bytes), now: 0)) == nil)
    }

    @Test func booleansAreNotNumbers() throws {
        let text = Self.minimal.replacingOccurrences(of: #""audience""#, with: #""context":{"b":true,"n":1,"z":0},"audience""#)
        let r = try decode(text)
        #expect(r.context == ["b": .bool(true), "n": .int(1), "z": .int(0)])
        #expect(failure(Self.minimal.replacingOccurrences(of: #""audience""#, with: #""risk":{"score":true},"audience""#))?.path == "risk.score")
    }

    @Test func unknownTopLevelFieldsAreListed() {
        let text = Self.minimal.replacingOccurrences(of: #""audience""#, with: #""zeta":1,"foo":{},"audience""#)
        #expect(Request.unknownFields(json: Data(text.utf8)) == ["foo", "zeta"])
        #expect(Request.unknownFields(json: Data(Self.minimal.utf8)).isEmpty)
    }
}

extension Request {
    /// What decoding the request's JSON gives: sets without duplicates.
    static func normalised(_ r: Request) -> Request {
        var n = r
        n.subject.groups = ReferenceSignals.distinct(r.subject.groups)
        n.scopes = ReferenceSignals.distinct(r.scopes)
        n.riskSignals = ReferenceSignals.distinct(r.riskSignals)
        n.subject.attributes = r.subject.attributes.mapValues(distinct)
        n.context = r.context.mapValues(distinct)
        return n
    }

    private static func distinct(_ value: DynamicValue) -> DynamicValue {
        if case .stringSet(let set) = value { return .stringSet(ReferenceSignals.distinct(set)) }
        return value
    }
}
