/// Caps on what a recipe may pull in from the network.
public struct InputLimits: Sendable, Hashable {
    /// Largest download, `url` or `youtube`, in bytes (default 100 MB).
    public var maximumBytes: Int
    /// Longest media accepted from `url` or `youtube`, in seconds (default 30 minutes).
    public var maximumDurationSeconds: Double

    /// Let `url` and `youtube` inputs reach loopback, private and link-local addresses (`MIXDOWN_ALLOW_PRIVATE_URLS=1`).
    public var allowPrivateAddresses: Bool

    public init(maximumBytes: Int = 100_000_000, maximumDurationSeconds: Double = 1800, allowPrivateAddresses: Bool = false) {
        self.maximumBytes = maximumBytes
        self.maximumDurationSeconds = maximumDurationSeconds
        self.allowPrivateAddresses = allowPrivateAddresses
    }
}
