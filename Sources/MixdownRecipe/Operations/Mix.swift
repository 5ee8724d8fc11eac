/// `mix`: tracks mixed together.
public struct Mix: Sendable, Hashable, Codable {
    public var tracks: [String]
    /// One per track; nil is all 1.
    public var weights: [Double]?
    /// How long the mix lasts (recipe `duration`).
    public var length: Length

    /// Which track's length the mix takes.
    public enum Length: String, ParameterChoice {
        case longest, shortest, first
        public static let fallback = Length.longest
    }

    public init(tracks: [String], weights: [Double]?, length: Length) { (self.tracks, self.weights, self.length) = (tracks, weights, length) }

    public init(_ arguments: OperationArguments) {
        self.init(tracks: arguments.references("tracks"), weights: arguments.numbers("weights"), length: arguments.choice("duration"))
    }
}
