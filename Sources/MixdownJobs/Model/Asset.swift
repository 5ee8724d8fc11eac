public import MixdownStorage

/// A stored file and what is known about it: an upload, or a job's output.
public struct Asset: Sendable, Hashable, Codable {
    public var id: String
    public var key: StorageKey
    public var name: String
    public var contentType: String
    public var bytes: Int
    public var durationSeconds: Double?
    public var sha256: String
    /// The job that produced it; nil for uploads.
    public var jobId: String?
    /// Milliseconds since 1970, store clock.
    public var createdAt: Int64

    public init(
        id: String,
        key: StorageKey,
        name: String,
        contentType: String,
        bytes: Int,
        durationSeconds: Double?,
        sha256: String,
        jobId: String?,
        createdAt: Int64 = 0
    ) {
        self.id = id
        self.key = key
        self.name = name
        self.contentType = contentType
        self.bytes = bytes
        self.durationSeconds = durationSeconds
        self.sha256 = sha256
        self.jobId = jobId
        self.createdAt = createdAt
    }
}
