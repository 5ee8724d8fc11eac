/// `loudnorm`: integrated loudness brought to a target (EBU R 128).
public struct Loudnorm: Sendable, Hashable, Codable {
    /// LUFS.
    public var target: Double
    /// dBTP (recipe `true_peak`).
    public var truePeak: Double
    /// LU; only the dynamic single pass reads it.
    public var loudnessRange: Double
    /// Measure first, then apply a linear gain (recipe `two_pass`); false is ffmpeg's dynamic filter.
    public var twoPass: Bool

    public init(target: Double, truePeak: Double, loudnessRange: Double, twoPass: Bool) {
        (self.target, self.truePeak, self.loudnessRange, self.twoPass) = (target, truePeak, loudnessRange, twoPass)
    }

    public init(_ arguments: OperationArguments) {
        self.init(
            target: arguments.number("target"),
            truePeak: arguments.number("true_peak"),
            loudnessRange: arguments.number("lra"),
            twoPass: arguments.bool("two_pass")
        )
    }
}
