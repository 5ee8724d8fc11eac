import Foundation
import MixdownStorage
import MixdownTestSupport
import NIOCore
import Testing

/// `put(stream:)`: a request body stored as it arrives, in a bucket (moto) and in a folder.
@Suite("Streamed puts")
struct StreamedPutTests {
    /// A body of `bytes` random bytes in uneven chunks (so parts never line up with them), which throws
    /// `BodyFailed` instead of ending once `failAfter` bytes have been yielded.
    struct Body: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let data: [UInt8]
        var failAfter: Int?

        struct BodyFailed: Error {}

        struct AsyncIterator: AsyncIteratorProtocol {
            let data: [UInt8]
            let failAfter: Int?
            var offset = 0
            var chunk = 0

            mutating func next() async throws -> ByteBuffer? {
                if let failAfter, offset >= failAfter { throw BodyFailed() }
                guard offset < data.count else { return nil }
                chunk += 1
                let length = Swift.min(data.count - offset, 1000 + (chunk * 7919) % 70_000)
                defer { offset += length }
                return ByteBuffer(bytes: data[offset..<offset + length])
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(data: data, failAfter: failAfter) }
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    static func sha256(_ path: String) throws -> String {
        String(try Shell.run("sha256sum", [path]).standardOutput.prefix(64))
    }

    static func sha256(_ bytes: [UInt8], in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("expected-\(UUID().uuidString.prefix(6))").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return try sha256(path)
    }

    @Test(
        "a bucket gets a body larger than a part as a multipart upload, a small one in one PUT, the same bytes back",
        arguments: [0, 1, 300_000, 5 << 20, 12_345_678]
    )
    func bucket(bytes: Int) async throws {
        let server = try S3TestServer.shared()
        let storage = try S3StorageTests.storage(endpoint: server.endpoint, bucket: try server.makeBucket("stream"))
        let directory = try TestMedia.temporaryDirectory("stream")
        let data = Self.randomBytes(bytes)
        let key = try StorageKey("uploads/ast_1/body.bin")
        // Parts sized for a 20 MB cap: 5 MiB, the configured size.
        let stored = try await storage.put(stream: Body(data: data), key: key, contentType: "audio/wav", maximumBytes: 20_000_000)
        #expect(stored == StoredObject(key: key, bytes: bytes, contentType: "audio/wav"))
        #expect(try await storage.head(key)?.bytes == bytes)
        let path = try await storage.localPath(for: key, downloadingInto: directory.path)
        #expect(try Self.sha256(path) == Self.sha256(data, in: directory))
        #expect(try await storage.incompleteUploads().isEmpty)
    }

    @Test("a body that fails in its third part stores nothing and leaves no incomplete upload in the bucket")
    func bucketFailure() async throws {
        let server = try S3TestServer.shared()
        let storage = try S3StorageTests.storage(endpoint: server.endpoint, bucket: try server.makeBucket("streamfail"))
        let key = try StorageKey("uploads/ast_2/body.bin")
        await #expect(throws: Body.BodyFailed.self) {
            try await storage.put(
                stream: Body(data: Self.randomBytes(14 << 20), failAfter: 11 << 20),
                key: key,
                contentType: "audio/wav",
                maximumBytes: 20_000_000
            )
        }
        #expect(try await storage.exists(key) == false)
        #expect(try await storage.incompleteUploads().isEmpty)
    }

    @Test("under a 1 TB cap (parts of 96 MiB, so that 10,000 of them hold it) a 1 MB body is still one PUT")
    func partSizeForCap() async throws {
        let server = try S3TestServer.shared()
        let storage = try S3StorageTests.storage(endpoint: server.endpoint, bucket: try server.makeBucket("streamcap"))
        let key = try StorageKey("uploads/ast_3/body.bin")
        let stored = try await storage.put(
            stream: Body(data: Self.randomBytes(1_000_000)),
            key: key,
            contentType: "audio/wav",
            maximumBytes: 1_000_000_000_000
        )
        #expect(stored.bytes == 1_000_000)
        #expect(try await storage.incompleteUploads().isEmpty)
    }

    @Test("a multipart upload a killed process left open is aborted once it is older than asked, not before")
    func abandoned() async throws {
        let server = try S3TestServer.shared()
        let bucketName = try server.makeBucket("abandoned")
        let storage = try S3StorageTests.storage(endpoint: server.endpoint, bucket: bucketName)
        // Begun by another client (boto3), as a process killed mid-upload would leave it.
        let begun = try Shell.run(
            "python3",
            [
                "-c",
                "import boto3, sys; c = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='AKIDTEST', aws_secret_access_key='test-secret'); print(c.create_multipart_upload(Bucket=sys.argv[2], Key='mixdown/uploads/ast_9/x.wav')['UploadId'])",
                server.endpoint, bucketName,
            ]
        )
        #expect(begun.exitCode == 0, "\(begun.standardError)")
        let uploads = try await storage.incompleteUploads()
        // moto stamps every upload with one fixed start time; the adapter's clock is set against it.
        let initiated = try #require(uploads.first?.initiated)
        #expect(uploads.count == 1)
        func adapter(at now: Date) -> S3Storage {
            S3Storage(settings: storage.settings, clock: { now })
        }
        let soon = adapter(at: initiated.addingTimeInterval(60))
        #expect(try await soon.abortAbandonedWrites(olderThanSeconds: 3600) == 0, "an upload begun a minute ago may still be arriving")
        #expect(try await storage.incompleteUploads().count == 1)
        let later = adapter(at: initiated.addingTimeInterval(7200))
        #expect(try await later.abortAbandonedWrites(olderThanSeconds: 3600) == 1)
        #expect(try await storage.incompleteUploads().isEmpty)
    }

    @Test("a folder gets the body under its key, renamed into place; a failed body leaves no file at all")
    func folder() async throws {
        let directory = try TestMedia.temporaryDirectory("stream-local")
        let storage = try LocalStorage(root: directory.appendingPathComponent("storage").path)
        let data = Self.randomBytes(3_000_000)
        let key = try StorageKey("uploads/ast_1/body.bin")
        let stored = try await storage.put(stream: Body(data: data), key: key, contentType: "audio/wav", maximumBytes: 100_000_000)
        #expect(stored.bytes == data.count)
        let path = try await storage.localPath(for: key, downloadingInto: directory.path)
        #expect(try Self.sha256(path) == Self.sha256(data, in: directory))
        #expect(try storage.readURL(for: key, expiresInSeconds: 60) == nil)

        let failed = try StorageKey("uploads/ast_2/body.bin")
        await #expect(throws: Body.BodyFailed.self) {
            try await storage.put(stream: Body(data: data, failAfter: 1_000_000), key: failed, contentType: "audio/wav", maximumBytes: 100_000_000)
        }
        #expect(try await storage.exists(failed) == false)
        let folder = directory.appendingPathComponent("storage/uploads/ast_2").path
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).isEmpty, "no temporary file left")
    }
}
