/// `loop`: repeats the stream a number of times, or until it lasts a length.
public struct Loop: Sendable, Hashable, Codable {
    /// Plays in total.
    public var count: Int?
    /// Seconds it lasts (recipe `to`); wins over `count`.
    public var length: Double?

    public init(count: Int?, length: Double?) { (self.count, self.length) = (count, length) }

    public init(_ arguments: OperationArguments) { self.init(count: arguments.optionalInteger("count"), length: arguments.optionalNumber("to")) }
}
