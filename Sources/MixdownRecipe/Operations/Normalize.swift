/// `normalize`: the gain that brings the sample peak to a level.
public struct Normalize: Sendable, Hashable, Codable {
    /// dBFS.
    public var peak: Double

    public init(peak: Double) { self.peak = peak }

    public init(_ arguments: OperationArguments) { self.init(peak: arguments.number("peak")) }
}
