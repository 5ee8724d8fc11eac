/// `trim_silence`: removes silence at the start, the end, both, or everywhere.
public struct TrimSilence: Sendable, Hashable, Codable {
    /// dB below which is silence.
    public var threshold: Double
    /// Seconds; shorter silence is kept (recipe `min_duration`).
    public var minimumDuration: Double
    /// Which silences go (recipe `where`).
    public var region: Region

    /// The silences removed.
    public enum Region: String, ParameterChoice {
        case start, end, both, all
        public static let fallback = Region.both
    }

    public init(threshold: Double, minimumDuration: Double, region: Region) {
        (self.threshold, self.minimumDuration, self.region) = (threshold, minimumDuration, region)
    }

    public init(_ arguments: OperationArguments) {
        self.init(threshold: arguments.number("threshold"), minimumDuration: arguments.number("min_duration"), region: arguments.choice("where"))
    }
}
