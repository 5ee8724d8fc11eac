/// A finished output file, described the same way for every job type.
public struct OutputArtifact: Sendable, Hashable, Codable {
    public var name: String
    public var path: String
    public var contentType: String
    public var bytes: Int
    public var durationSeconds: Double?
    /// Lowercase hex.
    public var sha256: String

    public init(name: String, path: String, contentType: String, bytes: Int, durationSeconds: Double?, sha256: String) {
        self.name = name
        self.path = path
        self.contentType = contentType
        self.bytes = bytes
        self.durationSeconds = durationSeconds
        self.sha256 = sha256
    }
}
