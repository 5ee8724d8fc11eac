public import MixdownStorage

/// One stored output; every job type reports its outputs in this shape.
public struct JobOutput: Sendable, Hashable, Codable {
    public var name: String
    public var key: StorageKey
    public var contentType: String
    public var bytes: Int
    public var durationSeconds: Double?
    public var sha256: String
    /// The asset the output became, usable as `{ asset: ID }` in later recipes.
    public var assetId: String

    public init(name: String, key: StorageKey, contentType: String, bytes: Int, durationSeconds: Double?, sha256: String, assetId: String) {
        self.name = name
        self.key = key
        self.contentType = contentType
        self.bytes = bytes
        self.durationSeconds = durationSeconds
        self.sha256 = sha256
        self.assetId = assetId
    }
}

/// What a finished job produced.
public struct JobResult: Sendable, Hashable, Codable {
    public var outputs: [JobOutput]

    public init(outputs: [JobOutput]) {
        self.outputs = outputs
    }
}
