import Testing
@testable import DecisionServer

@Suite struct WallClockTests {
    @Test(arguments: [
        (Int64(0), Int64(0), "\"1970-01-01T00:00:00.000Z\""),
        (Int64(1_772_445_600), Int64(123_456_789), "\"2026-03-02T10:00:00.123Z\""),
        (Int64(951_868_799), Int64(999_999_999), "\"2000-02-29T23:59:59.999Z\""),
    ])
    func formatsRFC3339(seconds: Int64, nanoseconds: Int64, expected: String) {
        var out: [UInt8] = []
        WallClock.appendTimestamp(seconds: seconds, nanoseconds: nanoseconds, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }

    @Test func escapesStringsInErrorAnswers() {
        var out: [UInt8] = []
        JSONOutput.appendError(id: nil, code: "bad_request", message: "a \"quoted\"\n\u{1}", to: &out)
        #expect(String(decoding: out, as: UTF8.self)
            == #"{"id":null,"error":{"code":"bad_request","message":"a \"quoted\"\n\u0001"}}"# + "\n")
    }
}
