/// Where job outputs and uploads are kept. Implementations: ``LocalStorage`` (a folder, the default);
/// an S3-compatible one plugs in through ``StorageFactory`` later.
public protocol StorageAdapter: Sendable {
    /// Stores a local file under `key`, replacing what was there; readers never see a half-written object.
    func put(file path: String, key: StorageKey, contentType: String) async throws -> StoredObject
    /// A local file with the object's bytes (the object itself for a folder; a cached copy for remote stores).
    func localPath(for key: StorageKey) async throws -> String
    func exists(_ key: StorageKey) async throws -> Bool
    func delete(_ key: StorageKey) async throws
    /// Whether the store can be reached and written, for readiness checks.
    func checkReady() async throws
}

/// What a `put` stored.
public struct StoredObject: Sendable, Hashable, Codable {
    public var key: StorageKey
    public var bytes: Int
    public var contentType: String

    public init(key: StorageKey, bytes: Int, contentType: String) {
        self.key = key
        self.bytes = bytes
        self.contentType = contentType
    }
}
