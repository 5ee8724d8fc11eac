/// `gain`: a fixed change of level.
public struct Gain: Sendable, Hashable, Codable {
    /// Decibels (recipe `db`); negative is quieter.
    public var decibels: Double

    public init(decibels: Double) { self.decibels = decibels }

    public init(_ arguments: OperationArguments) { self.init(decibels: arguments.number("db")) }
}
