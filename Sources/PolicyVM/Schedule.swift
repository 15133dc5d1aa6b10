import Foundation
import PolicyLanguage

/// A schedule resolved against its IANA zone at load time: the zone's UTC
/// offsets and transitions from 1900 to 2200 are precomputed with Foundation,
/// so the hot path does a binary search and integer arithmetic only, and is
/// correct on both sides of every daylight-saving change.
struct CompiledSchedule: Sendable, Equatable {
    let schedule: Schedule
    /// Instants (epoch seconds) at which the offset changes, ascending.
    let transitions: [Int64]
    /// `offsets[i]` applies before `transitions[i]`; the last one after the last transition.
    let offsets: [Int32]

    init(_ schedule: Schedule) {
        self.schedule = schedule
        var transitions: [Int64] = []
        var offsets: [Int32] = []
        if let zone = TimeZone(identifier: schedule.zone) {
            let first = Date(timeIntervalSince1970: -2_208_988_800)  // 1900-01-01
            let last = Date(timeIntervalSince1970: 7_258_118_400)    // 2200-01-01
            offsets.append(Int32(zone.secondsFromGMT(for: first)))
            var cursor = first
            while let next = zone.nextDaylightSavingTimeTransition(after: cursor), next < last {
                transitions.append(Int64(next.timeIntervalSince1970.rounded(.down)))
                offsets.append(Int32(zone.secondsFromGMT(for: next)))
                cursor = next
            }
        } else {
            offsets.append(0)
        }
        self.transitions = transitions
        self.offsets = offsets
    }

    /// The zone's UTC offset at `instant`.
    func offset(at instant: Int64) -> Int64 {
        var low = 0, high = transitions.count
        while low < high {
            let mid = (low + high) / 2
            if transitions[mid] <= instant { low = mid + 1 } else { high = mid }
        }
        return Int64(offsets[low])
    }

    /// Whether `instant` falls in the weekly window, in the schedule's zone.
    func contains(_ instant: Int64) -> Bool {
        let local = instant + offset(at: instant)
        let (weekday, second) = CivilTime.weekdayAndSecond(local)
        return schedule.weekdays & (1 << weekday) != 0
            && Int64(schedule.start) <= second && second < Int64(schedule.end)
    }
}

/// Calendar arithmetic on epoch seconds (proleptic Gregorian, no Foundation).
enum CivilTime {
    /// ISO weekday (1 = Monday) and second of the day of an epoch-seconds value.
    @inline(__always)
    static func weekdayAndSecond(_ seconds: Int64) -> (weekday: Int64, second: Int64) {
        let day = floorDivide(seconds, 86_400)
        let second = seconds - day * 86_400
        // 1970-01-01 was a Thursday (ISO 4).
        let weekday = ((day + 3) % 7 + 7) % 7 + 1
        return (weekday, second)
    }

    @inline(__always)
    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func isLeap(_ year: Int64) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
