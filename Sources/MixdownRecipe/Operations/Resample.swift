/// `resample`: a new sample rate and/or channel count.
public struct Resample: Sendable, Hashable, Codable {
    /// Hertz.
    public var rate: Int?
    public var channels: Int?

    public init(rate: Int?, channels: Int?) { (self.rate, self.channels) = (rate, channels) }

    public init(_ arguments: OperationArguments) {
        self.init(rate: arguments.optionalInteger("rate"), channels: arguments.optionalInteger("channels"))
    }
}
