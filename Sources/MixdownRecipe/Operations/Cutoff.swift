/// `highpass` and `lowpass`: a filter with one cut-off frequency.
public struct Cutoff: Sendable, Hashable, Codable {
    /// Hertz (recipe `freq`).
    public var frequency: Double

    public init(frequency: Double) { self.frequency = frequency }

    public init(_ arguments: OperationArguments) { self.init(frequency: arguments.number("freq")) }
}
