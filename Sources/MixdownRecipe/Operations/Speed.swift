/// `speed`: faster or slower, keeping the pitch.
public struct Speed: Sendable, Hashable, Codable {
    public var factor: Double

    public init(factor: Double) { self.factor = factor }

    public init(_ arguments: OperationArguments) { self.init(factor: arguments.number("factor")) }
}
