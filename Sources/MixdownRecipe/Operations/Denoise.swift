/// `denoise`: FFT noise reduction.
public struct Denoise: Sendable, Hashable, Codable {
    /// dB of reduction.
    public var amount: Double

    public init(amount: Double) { self.amount = amount }

    public init(_ arguments: OperationArguments) { self.init(amount: arguments.number("amount")) }
}
