import Foundation
import PolicyLanguage

/// `time in schedule`, using Foundation's `TimeZone` for the zone's offset at
/// that instant — independent of the VM's precomputed transition tables.
enum ReferenceSchedule {
    static func contains(_ schedule: Schedule, _ time: Int64) -> Bool {
        guard let zone = TimeZone(identifier: schedule.zone) else {
            preconditionFailure("the checker validated zone `\(schedule.zone)`")
        }
        return contains(schedule, time, zone: zone)
    }

    static func contains(_ schedule: Schedule, _ time: Int64, zone: TimeZone) -> Bool {
        let local = time + Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(time))))
        let day = ReferenceSignals.floorDiv(local, 86400)
        let secondOfDay = local - day * 86400
        let weekday = ReferenceSignals.isoWeekday(epochDay: day)
        return schedule.weekdays & (1 << weekday) != 0
            && Int64(schedule.start) <= secondOfDay && secondOfDay < Int64(schedule.end)
    }
}
