/// `crossfade`: from the first track into the second.
public struct Crossfade: Sendable, Hashable, Codable {
    public var tracks: [String]
    /// Seconds of overlap; 0 plays one after the other.
    public var duration: Double

    public init(tracks: [String], duration: Double) { (self.tracks, self.duration) = (tracks, duration) }

    public init(_ arguments: OperationArguments) { self.init(tracks: arguments.references("tracks"), duration: arguments.number("duration")) }
}
