internal import Foundation
import MixdownPlanner

/// Turns a measurement into the filter chain that replaces a `{{gain:STEP}}` token.
enum GainRule {
    /// Below this the input is effectively silent and no gain is applied.
    static let silenceFloor = -69.0

    static func chain(for goal: GainMeasurement.Goal, report: LoudnessReport) -> (filters: String, gainDb: Double) {
        switch goal {
        case .loudness(let target, let truePeak):
            guard report.integratedLufs > silenceFloor else { return ("anull", 0) }
            let gain = min(40, target - report.integratedLufs)
            var filters = "volume=\(format(gain))dB"
            // A linear gain keeps the dynamics; only peaks that would pass the ceiling are limited.
            // alimiter works on sample peaks, so it aims 1 dB under the true-peak ceiling.
            if report.truePeakDbtp + gain > truePeak {
                let limit = pow(10, (truePeak - 1) / 20)
                filters += ",alimiter=limit=\(format(max(limit, 0.0625))):level=false:attack=5:release=50"
            }
            return (filters, gain)
        case .peak(let peak):
            guard report.samplePeakDbfs > -120 else { return ("anull", 0) }
            let gain = min(60, peak - report.samplePeakDbfs)
            return ("volume=\(format(gain))dB", gain)
        }
    }

    private static func format(_ value: Double) -> String { String(format: "%.4f", value) }
}
