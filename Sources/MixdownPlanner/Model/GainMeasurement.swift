/// A level a stage measures so a later stage can apply it: two-pass `loudnorm` and `normalize`.
public struct GainMeasurement: Sendable, Hashable, Codable {
    public enum Goal: Sendable, Hashable, Codable {
        /// Bring integrated loudness to `target` LUFS, keeping the true peak at or under `truePeak`.
        case loudness(target: Double, truePeak: Double)
        /// Bring the sample peak to `peak` dBFS.
        case peak(Double)
    }

    /// The step the measurement serves; later stages refer to it as `{{gain:STEP}}`.
    public var step: String
    public var goal: Goal

    public init(step: String, goal: Goal) {
        self.step = step
        self.goal = goal
    }

    /// The token a later stage's arguments carry until the measurement is known.
    public var placeholder: String { "{{gain:\(step)}}" }
}
