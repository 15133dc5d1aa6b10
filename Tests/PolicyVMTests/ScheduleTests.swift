import PolicyLanguage
import Testing
@testable import PolicyVM

/// Schedules evaluate in their IANA zone, correctly on both sides of a DST change.
@Suite struct ScheduleTests {
    /// mon..fri 08:00..18:00 Europe/London
    let london = CompiledSchedule(Schedule(weekdays: 0b0011_1110, start: 8 * 3600, end: 18 * 3600, zone: "Europe/London"))

    func at(_ text: String) -> Int64 { Timestamps.parse(text)! }

    @Test func winterIsUTC() {
        #expect(london.contains(at("2026-01-13T08:00:00Z")))
        #expect(!london.contains(at("2026-01-13T07:59:59Z")))
        #expect(london.contains(at("2026-01-13T17:59:59Z")))
        #expect(!london.contains(at("2026-01-13T18:00:00Z")))
    }

    @Test func summerIsUTCPlusOne() {
        #expect(london.contains(at("2026-07-14T07:00:00Z")))   // 08:00 BST
        #expect(!london.contains(at("2026-07-14T06:59:59Z")))
        #expect(!london.contains(at("2026-07-14T17:00:00Z")))  // 18:00 BST
    }

    @Test func springForwardOnTheLastSundayOfMarch() {
        // 2026-03-29 01:00 UTC: clocks go from 01:00 GMT to 02:00 BST.
        #expect(london.offset(at: at("2026-03-29T00:59:59Z")) == 0)
        #expect(london.offset(at: at("2026-03-29T01:00:00Z")) == 3600)
        // Monday after: 07:30 UTC is 08:30 BST, inside.
        #expect(london.contains(at("2026-03-30T07:30:00Z")))
        // Friday before: 07:30 UTC is 07:30 GMT, outside.
        #expect(!london.contains(at("2026-03-27T07:30:00Z")))
    }

    @Test func fallBackOnTheLastSundayOfOctober() {
        // 2026-10-25 01:00 UTC: clocks go from 02:00 BST back to 01:00 GMT.
        #expect(london.offset(at: at("2026-10-25T00:59:59Z")) == 3600)
        #expect(london.offset(at: at("2026-10-25T01:00:00Z")) == 0)
        // Friday before: 17:30 UTC is 18:30 BST, outside; Monday after: 17:30 UTC is 17:30 GMT, inside.
        #expect(!london.contains(at("2026-10-23T17:30:00Z")))
        #expect(london.contains(at("2026-10-26T17:30:00Z")))
    }

    @Test func weekdaysAreLocal() {
        // Sunday 23:30 UTC in July is Monday 00:30 BST: a Monday-only all-day window holds.
        let mondays = CompiledSchedule(Schedule(weekdays: 1 << 1, start: 0, end: 86_400, zone: "Europe/London"))
        #expect(mondays.contains(at("2026-07-12T23:30:00Z")))
        #expect(!mondays.contains(at("2026-07-12T22:30:00Z")))
    }

    @Test func farZonesAndUTC() {
        let tokyo = CompiledSchedule(Schedule(weekdays: 0b1111_1110, start: 9 * 3600, end: 10 * 3600, zone: "Asia/Tokyo"))
        #expect(tokyo.contains(at("2026-01-13T00:30:00Z")))
        let utc = CompiledSchedule(Schedule(weekdays: 0b1111_1110, start: 0, end: 86_400, zone: "UTC"))
        #expect(utc.transitions.isEmpty)
        #expect(utc.contains(at("1999-12-31T23:59:59Z")))
    }

    @Test func scheduleInAPolicy() throws {
        let condition = TypedExpr(.inSchedule(T.sig(.time), london.schedule), type: .bool, span: T.span)
        let set = try T.compile([T.policy("hours", when: condition, T.allow())])
        #expect(T.decide(set, T.request(#""time":"2026-07-14T07:30:00Z""#)).decision == .allow)
        #expect(T.decide(set, T.request(#""time":"2026-01-13T07:30:00Z""#)).decision == .deny)
    }
}
