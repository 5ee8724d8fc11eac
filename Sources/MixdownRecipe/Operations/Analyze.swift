/// `analyze`: loudness, range, peaks and duration as JSON.
public struct Analyze: Sendable, Hashable, Codable {
    /// Seconds between points of the short-term loudness curve; nil writes no curve.
    public var curveInterval: Double?

    public init(curveInterval: Double?) { self.curveInterval = curveInterval }

    public init(_ arguments: OperationArguments) { self.init(curveInterval: arguments.optionalNumber("curve")) }
}
