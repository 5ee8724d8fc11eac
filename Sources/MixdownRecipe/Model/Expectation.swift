/// What an output must measure after the run; a miss fails the run, naming the measured value and this line.
public struct Expectation: Sendable, Hashable, Codable {
    /// Integrated loudness range in LUFS.
    public var lufs: ClosedRange<Double>?
    /// Highest allowed true peak in dBTP.
    public var truePeakMax: Double?
    /// Highest allowed sample peak in dBFS.
    public var peakMax: Double?
    /// Duration range in seconds.
    public var duration: ClosedRange<Double>?
    public var sampleRate: Int?
    public var channels: Int?
    /// Where each expectation was written, by its recipe key.
    public var locations: [String: SourceLocation]

    public init(
        lufs: ClosedRange<Double>? = nil,
        truePeakMax: Double? = nil,
        peakMax: Double? = nil,
        duration: ClosedRange<Double>? = nil,
        sampleRate: Int? = nil,
        channels: Int? = nil,
        locations: [String: SourceLocation] = [:]
    ) {
        self.lufs = lufs
        self.truePeakMax = truePeakMax
        self.peakMax = peakMax
        self.duration = duration
        self.sampleRate = sampleRate
        self.channels = channels
        self.locations = locations
    }

    /// Whether any expectation needs a loudness measurement.
    public var needsLoudness: Bool { lufs != nil || truePeakMax != nil || peakMax != nil }

    /// The recipe keys this type understands, for unknown-key errors.
    public static let keys = ["lufs", "true_peak_max", "peak_max", "duration", "sample_rate", "channels"]
}
