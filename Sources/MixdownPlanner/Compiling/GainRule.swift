internal import Foundation

/// The one rule that turns a measurement into the filters that replace a `{{gain:STEP}}` token, for
/// two-pass `loudnorm` and `normalize`. The executor calls ``gain(for:measured:)``; a plan rendered as a
/// shell script evaluates ``awkProgram(for:)``, the same rule with the same constants in awk.
public enum GainRule {
    /// What the rule reads from a measurement.
    public struct Measured: Sendable, Hashable {
        public var integratedLufs: Double
        public var truePeakDbtp: Double
        public var samplePeakDbfs: Double

        public init(integratedLufs: Double, truePeakDbtp: Double, samplePeakDbfs: Double) {
            self.integratedLufs = integratedLufs
            self.truePeakDbtp = truePeakDbtp
            self.samplePeakDbfs = samplePeakDbfs
        }

        /// Audio already at the goal, its true peak just over the ceiling: no gain, the limiter kept, as a
        /// benchmark's stand-in for a measurement (`PlanExecutor.discardsMeasurements`).
        public static func atGoal(_ goal: GainMeasurement.Goal) -> Measured {
            switch goal {
            case .loudness(let target, let truePeak): Measured(integratedLufs: target, truePeakDbtp: truePeak + 0.5, samplePeakDbfs: truePeak)
            case .peak(let peak): Measured(integratedLufs: -23, truePeakDbtp: peak, samplePeakDbfs: peak)
            }
        }
    }

    /// At or below this the input is effectively silent and no gain is applied.
    static let silenceFloor = -69.0
    /// The most a loudness target may raise the level.
    static let loudnessGainCap = 40.0
    /// The most `normalize` may raise the level.
    static let peakGainCap = 60.0
    /// alimiter works on sample peaks, so it aims this far under the true-peak ceiling.
    static let limiterMargin = 1.0
    /// alimiter's lowest limit (-24 dBFS).
    static let lowestLimit = 0.0625
    static let limiterOptions = "level=false:attack=5:release=50"

    public static func gain(for goal: GainMeasurement.Goal, measured: Measured) -> (filters: String, decibels: Double) {
        switch goal {
        case .loudness(let target, let truePeak):
            guard measured.integratedLufs > silenceFloor else { return ("anull", 0) }
            let gain = min(loudnessGainCap, target - measured.integratedLufs)
            var filters = "volume=\(format(gain))dB"
            // A linear gain keeps the dynamics; only peaks that would pass the ceiling are limited.
            if measured.truePeakDbtp + gain > truePeak {
                let limit = max(pow(10, (truePeak - limiterMargin) / 20), lowestLimit)
                filters += ",alimiter=limit=\(format(limit)):\(limiterOptions)"
            }
            return (filters, gain)
        case .peak(let peak):
            guard measured.samplePeakDbfs > -120 else { return ("anull", 0) }
            let gain = min(peakGainCap, peak - measured.samplePeakDbfs)
            return ("volume=\(format(gain))dB", gain)
        }
    }

    /// The same rule as an awk program reading `i`, `tp` and `sp` (LUFS, dBTP, dBFS as ffmpeg's ebur128
    /// prints them, `-inf` for silence) and printing the filters.
    public static func awkProgram(for goal: GainMeasurement.Goal) -> String {
        switch goal {
        case .loudness(let target, let truePeak):
            return "BEGIN { if (i == \"-inf\" || i <= \(silenceFloor)) { print \"anull\"; exit } "
                + "g = \(target) - i; if (g > \(loudnessGainCap)) g = \(loudnessGainCap); s = sprintf(\"volume=%.4fdB\", g); "
                + "if (tp + g > \(truePeak)) { l = exp(log(10) * (\(truePeak) - \(limiterMargin)) / 20); if (l < \(lowestLimit)) l = \(lowestLimit); "
                + "s = s sprintf(\",alimiter=limit=%.4f:\(limiterOptions)\", l) } print s }"
        case .peak(let peak):
            return "BEGIN { if (sp == \"-inf\" || sp <= -120) { print \"anull\"; exit } "
                + "g = \(peak) - sp; if (g > \(peakGainCap)) g = \(peakGainCap); printf(\"volume=%.4fdB\\n\", g) }"
        }
    }

    private static func format(_ value: Double) -> String { String(format: "%.4f", value) }
}
