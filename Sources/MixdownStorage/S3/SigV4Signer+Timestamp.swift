internal import Foundation

extension SigV4Signer {
    /// The two UTC forms SigV4 uses, `20130524` and `20130524T000000Z`, computed from the Unix time by
    /// hand: no formatter, calendar or locale can change them.
    struct Timestamp: Sendable {
        var date: String
        var dateTime: String

        init(_ instant: Date) {
            let raw = instant.timeIntervalSince1970.rounded(.down)
            // Clocks give finite times; anything else signs as the epoch rather than trapping.
            let seconds = raw.isFinite && abs(raw) < 1e15 ? Int64(raw) : 0
            let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
            let secondOfDay = seconds - days * 86_400
            // Howard Hinnant's days-to-civil conversion (proleptic Gregorian calendar).
            let shifted = days + 719_468
            let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
            let dayOfEra = shifted - era * 146_097
            let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
            let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
            let monthIndex = (5 * dayOfYear + 2) / 153
            let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
            let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
            let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
            func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : String(value) }
            date = "\(String(year))\(two(month))\(two(day))"
            dateTime = "\(date)T\(two(secondOfDay / 3_600))\(two(secondOfDay % 3_600 / 60))\(two(secondOfDay % 60))Z"
        }
    }
}
