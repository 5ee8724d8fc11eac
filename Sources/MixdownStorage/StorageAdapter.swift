public import NIOCore

/// Where job outputs and uploads are kept. Implementations: ``LocalStorage`` (a folder, the default) and
/// ``S3Storage`` (any S3-compatible bucket: AWS S3, Cloudflare R2, MinIO). The factory in MixdownJobs picks
/// one from `MIXDOWN_STORAGE`.
public protocol StorageAdapter: Sendable {
    /// Stores a local file under `key`, replacing what was there; readers never see a half-written object.
    func put(file path: String, key: StorageKey, contentType: String) async throws -> StoredObject
    /// Stores bytes under `key` as they arrive from `body` (an HTTP request's), keeping no full copy
    /// anywhere else: a folder writes a temporary file beside the object and renames it; a bucket sends
    /// parts as they fill, holding at most ``S3Settings/streamedPartsInMemory`` parts. `maximumBytes`
    /// (what the caller lets the body reach) sizes those parts. When `body` throws, nothing is stored.
    func put<Body: AsyncSequence>(stream body: Body, key: StorageKey, contentType: String, maximumBytes: Int) async throws -> StoredObject
    where Body.Element == ByteBuffer
    /// A URL ffmpeg can read the object from without a local copy (a presigned GET on the bucket itself,
    /// never the public base URL), valid for `expiresInSeconds`; nil for a folder, whose ``localPath(for:downloadingInto:)``
    /// is the object's own file.
    func readURL(for key: StorageKey, expiresInSeconds: Int) throws -> String?
    /// A URL another machine PUTs the object's bytes to, with exactly `contentType` (a presigned PUT on
    /// the bucket itself), valid for `expiresInSeconds`; nil for a folder, which only the API's signed
    /// storage route writes (a render service's outputs).
    func writeURL(for key: StorageKey, expiresInSeconds: Int, contentType: String) throws -> String?
    /// A local file with the object's bytes: the object itself for a folder; for a bucket, a download into
    /// `directory` (a job's or a request's temporary folder, which its owner removes). Nothing is cached
    /// elsewhere, so a worker on a fresh machine needs nothing but the bucket.
    func localPath(for key: StorageKey, downloadingInto directory: String) async throws -> String
    /// Whether objects lie elsewhere (a bucket), so that ``localPath(for:downloadingInto:)`` transfers a
    /// copy: the API counts such reads against its transfers at once.
    var isRemote: Bool { get }
    func exists(_ key: StorageKey) async throws -> Bool
    func delete(_ key: StorageKey) async throws
    /// Ends writes that were begun more than `olderThanSeconds` ago and never finished (a process killed
    /// mid-upload leaves a bucket's multipart upload open, billed and invisible); returns how many.
    func abortAbandonedWrites(olderThanSeconds: Double) async throws -> Int
    /// Whether the store can be reached and written, for readiness checks.
    func checkReady() async throws
    /// A URL clients fetch the object from directly (a presigned GET, or one under a public/CDN base URL),
    /// valid for `expiresInSeconds`; nil when the API serves the bytes itself (a local folder).
    /// `downloadName`, when given, asks the bucket to send it as an attachment with that file name.
    /// Synchronous: presigning is local computation, done for every output of every polled job.
    func downloadURL(for key: StorageKey, expiresInSeconds: Int, downloadName: String?) throws -> String?
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
