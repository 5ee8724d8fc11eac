/// Caps on what a recipe may pull in from the network.
public struct InputLimits: Sendable, Hashable {
    /// Largest download, `url` or `youtube`, in bytes (default 100 MB).
    public var maximumBytes: Int
    /// Longest media accepted from `url` or `youtube`, in seconds (default 30 minutes).
    public var maximumDurationSeconds: Double

    public init(maximumBytes: Int = 100_000_000, maximumDurationSeconds: Double = 1800) {
        self.maximumBytes = maximumBytes
        self.maximumDurationSeconds = maximumDurationSeconds
    }
}
