internal import Foundation

/// Numbers in ffmpeg arguments: fixed notation (never `1e-05`), trailing zeros trimmed.
enum FFmpegNumber {
    static func format(_ value: Double, digits: Int = 6) -> String {
        guard value.isFinite else { return "0" }
        var text = String(format: "%.\(digits)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    /// A whole number within `range`, for counts and rates that reach ffmpeg as integers. The parser has
    /// already bounded them; clamping keeps a `Recipe` built any other way from trapping on `Int(_:)`.
    static func integer(_ value: Double, in range: ClosedRange<Int>) -> Int {
        guard !value.isNaN else { return range.lowerBound }
        if value <= Double(range.lowerBound) { return range.lowerBound }
        if value >= Double(range.upperBound) { return range.upperBound }
        return Int(value.rounded())
    }

    /// dB to linear amplitude.
    static func linear(fromDecibels decibels: Double) -> Double {
        pow(10, decibels / 20)
    }
}
