/// `pad`: silence added before and/or after.
public struct Pad: Sendable, Hashable, Codable {
    /// Seconds before.
    public var start: Double?
    /// Seconds after.
    public var end: Double?

    public init(start: Double?, end: Double?) { (self.start, self.end) = (start, end) }

    public init(_ arguments: OperationArguments) { self.init(start: arguments.optionalNumber("start"), end: arguments.optionalNumber("end")) }
}
