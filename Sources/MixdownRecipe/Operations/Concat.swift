/// `concat`: tracks one after another.
public struct Concat: Sendable, Hashable, Codable {
    public var tracks: [String]
    /// Seconds of overlap at each join; 0 is a plain join.
    public var crossfade: Double

    public init(tracks: [String], crossfade: Double) { (self.tracks, self.crossfade) = (tracks, crossfade) }

    public init(_ arguments: OperationArguments) { self.init(tracks: arguments.references("tracks"), crossfade: arguments.number("crossfade")) }
}
