/// `limit`: a brick-wall limiter.
public struct Limit: Sendable, Hashable, Codable {
    /// dBFS.
    public var ceiling: Double

    public init(ceiling: Double) { self.ceiling = ceiling }

    public init(_ arguments: OperationArguments) { self.init(ceiling: arguments.number("ceiling")) }
}
