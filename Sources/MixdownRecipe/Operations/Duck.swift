/// `duck`: lowers the stream while another is loud (a sidechain compressor).
public struct Duck: Sendable, Hashable, Codable {
    /// The stream that triggers ducking.
    public var trigger: String
    /// dB, about how far the stream is lowered.
    public var amount: Double
    /// dB of `trigger` at which ducking starts.
    public var threshold: Double
    /// Seconds.
    public var attack: Double
    /// Seconds.
    public var release: Double

    public init(trigger: String, amount: Double, threshold: Double, attack: Double, release: Double) {
        (self.trigger, self.amount, self.threshold, self.attack, self.release) = (trigger, amount, threshold, attack, release)
    }

    public init(_ arguments: OperationArguments) {
        self.init(
            trigger: arguments.string("by"),
            amount: arguments.number("amount"),
            threshold: arguments.number("threshold"),
            attack: arguments.number("attack"),
            release: arguments.number("release")
        )
    }
}
