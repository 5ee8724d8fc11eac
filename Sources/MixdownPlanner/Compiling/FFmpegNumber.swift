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

    /// dB to linear amplitude.
    static func linear(fromDecibels decibels: Double) -> Double {
        pow(10, decibels / 20)
    }
}
