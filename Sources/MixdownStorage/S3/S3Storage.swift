public import AsyncHTTPClient
public import Foundation
public import Logging
internal import NIOCore
internal import NIOHTTP1
internal import _NIOFileSystem

/// Objects in an S3-compatible bucket (AWS S3, Cloudflare R2, MinIO), spoken to over HTTP with
/// requests signed by hand (``SigV4Signer``).
///
/// Uploads stream from disk, in parts above ``S3Settings/multipartThreshold``; downloads stream to disk.
/// Failed requests are retried on server errors, throttling and lost connections, never on other client
/// errors. Nothing is cached: a worker on a fresh machine needs nothing but the bucket.
public struct S3Storage: StorageAdapter {
    public let settings: S3Settings
    let signer: SigV4Signer
    let client: HTTPClient
    let clock: @Sendable () -> Date
    let logger: Logger

    /// An adapter for `settings`. `httpClient` defaults to one client shared by every S3 adapter in the
    /// process, which follows no redirects (a signed request must not travel to another host) and
    /// decompresses nothing (the bytes stored are the bytes fetched). `clock` gives the signing time.
    public init(
        settings: S3Settings,
        httpClient: HTTPClient? = nil,
        logger: Logger = Logger(label: "mixdown.storage.s3"),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.settings = settings
        self.signer = SigV4Signer(credentials: settings.credentials, region: settings.region)
        self.client = httpClient ?? S3Storage.sharedClient
        self.logger = logger
        self.clock = clock
    }

    /// Never shut down: it lives as long as the process, like `HTTPClient.shared`.
    static let sharedClient = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            // A short connect timeout: a refused or unroutable endpoint fails each attempt fast, so the
            // retries end in seconds and the API can answer 503 while the bucket is away.
            timeout: .init(connect: .seconds(3), read: .seconds(60)),
            decompression: .disabled
        )
    )

    public func put(file path: String, key: StorageKey, contentType: String) async throws -> StoredObject {
        guard let info = try await FileSystem.shared.info(forFileAt: FilePath(path)), info.type == .regular else {
            throw StorageError.io("cannot store \(key): no file at \(path)")
        }
        let size = info.size
        let name = settings.objectName(key)
        if size > Int64(settings.multipartThreshold) {
            try await putMultipart(file: path, size: size, objectName: name, contentType: contentType)
        } else {
            let call = Call(
                operation: "PutObject",
                objectName: name,
                method: .PUT,
                headers: [.init("content-type", contentType)],
                body: .file(path: path, range: 0..<size),
                streams: true
            )
            try await perform(call) { _ in }
        }
        return StoredObject(key: key, bytes: Int(size), contentType: contentType)
    }

    /// True: ``localPath(for:downloadingInto:)`` downloads a copy.
    public var isRemote: Bool { true }

    public func localPath(for key: StorageKey, downloadingInto directory: String) async throws -> String {
        try await download(key, into: directory)
    }

    public func exists(_ key: StorageKey) async throws -> Bool {
        try await head(key) != nil
    }

    /// Deleting an object that is not there succeeds, as it does on S3.
    public func delete(_ key: StorageKey) async throws {
        let call = Call(operation: "DeleteObject", objectName: settings.objectName(key), method: .DELETE)
        do {
            try await perform(call) { _ in }
        } catch let error as S3Error where error.status == 404 {
            return
        }
    }

    /// Writes and deletes a small probe object under the key prefix: proves the endpoint answers, the
    /// credentials sign, and the bucket takes writes.
    public func checkReady() async throws {
        let name = "\(settings.keyPrefix).mixdown-ready-\(UUID().uuidString.prefix(8).lowercased())"
        let put = Call(
            operation: "PutObject",
            objectName: name,
            method: .PUT,
            headers: [.init("content-type", "text/plain")],
            body: .bytes(Data("ready\n".utf8))
        )
        try await perform(put) { _ in }
        try await perform(Call(operation: "DeleteObject", objectName: name, method: .DELETE)) { _ in }
    }

    /// What HEAD says of an object; nil when there is none.
    public func head(_ key: StorageKey) async throws -> S3ObjectInfo? {
        let call = Call(operation: "HeadObject", objectName: settings.objectName(key), method: .HEAD)
        do {
            return try await perform(call) { response in
                S3ObjectInfo(
                    key: key,
                    bytes: response.headers.first(name: "content-length").flatMap { Int($0) } ?? 0,
                    contentType: response.headers.first(name: "content-type"),
                    etag: response.headers.first(name: "etag")
                )
            }
        } catch let error as S3Error where error.status == 404 {
            return nil
        }
    }
}

/// An object's size and metadata, from a HEAD or a listing.
public struct S3ObjectInfo: Sendable, Hashable {
    public var key: StorageKey
    public var bytes: Int
    /// The content type it was stored with (listings do not carry it).
    public var contentType: String?
    /// The ETag, quotes included, as S3 sends it.
    public var etag: String?

    public init(key: StorageKey, bytes: Int, contentType: String?, etag: String?) {
        self.key = key
        self.bytes = bytes
        self.contentType = contentType
        self.etag = etag
    }
}
