/// `compress`: a dynamic range compressor.
public struct Compress: Sendable, Hashable, Codable {
    /// dB.
    public var threshold: Double
    public var ratio: Double
    /// Seconds.
    public var attack: Double
    /// Seconds.
    public var release: Double
    /// dB added after compression.
    public var makeup: Double

    public init(threshold: Double, ratio: Double, attack: Double, release: Double, makeup: Double) {
        (self.threshold, self.ratio, self.attack, self.release, self.makeup) = (threshold, ratio, attack, release, makeup)
    }

    public init(_ arguments: OperationArguments) {
        self.init(
            threshold: arguments.number("threshold"),
            ratio: arguments.number("ratio"),
            attack: arguments.number("attack"),
            release: arguments.number("release"),
            makeup: arguments.number("makeup")
        )
    }
}
