import AsyncHTTPClient
import Foundation
import MixdownStorage
import MixdownTestSupport
import NIOCore
import Testing

/// The adapter against a real S3-protocol server (moto on loopback). moto checks no signatures: these
/// tests prove the protocol flow; S3SigV4Tests proves the signatures.
@Suite("S3 storage against moto")
struct S3StorageTests {
    static let credentials = SigV4Credentials(accessKeyId: "AKIDTEST", secretAccessKey: "test-secret")

    static func storage(
        endpoint: String,
        bucket: String,
        prefix: String = "mixdown",
        multipart: Int = 16 << 20,
        retries: Int = 3
    ) throws -> S3Storage {
        S3Storage(
            settings: try S3Settings(
                endpoint: endpoint,
                bucket: bucket,
                keyPrefix: prefix,
                credentials: credentials,
                multipartThreshold: multipart,
                partSize: 5 << 20,
                partConcurrency: 2,
                retries: retries
            )
        )
    }

    static func randomFile(_ directory: URL, bytes: Int) throws -> String {
        let path = directory.appendingPathComponent("source-\(bytes).bin").path
        let status = try Shell.run("sh", ["-c", "head -c \(bytes) /dev/urandom > '\(path)'"])
        guard status.exitCode == 0 else { throw TestSupportError(status.standardError) }
        return path
    }

    static func sha256(_ path: String) throws -> String {
        String(try Shell.run("sha256sum", [path]).standardOutput.prefix(64))
    }

    @Test("put, head, exists, download into the given folder, delete")
    func roundTrip() async throws {
        let server = try S3TestServer.shared()
        let storage = try Self.storage(endpoint: server.endpoint, bucket: try server.makeBucket("round"))
        let directory = try TestMedia.temporaryDirectory("s3")
        let source = try Self.randomFile(directory, bytes: 100_000)
        let key = try StorageKey("jobs/j1/out.bin")

        let stored = try await storage.put(file: source, key: key, contentType: "audio/mpeg")
        #expect(stored == StoredObject(key: key, bytes: 100_000, contentType: "audio/mpeg"))
        let info = try #require(try await storage.head(key))
        #expect(info.bytes == 100_000)
        #expect(info.contentType == "audio/mpeg")
        #expect(try await storage.exists(key))

        let downloads = directory.appendingPathComponent("job-temp")
        try FileManager.default.createDirectory(at: downloads, withIntermediateDirectories: true)
        let path = try await storage.localPath(for: key, downloadingInto: downloads.path)
        #expect((path as NSString).deletingLastPathComponent == downloads.path)
        #expect(path.hasSuffix("-out.bin"))
        #expect(try Self.sha256(path) == Self.sha256(source))
        // Only the finished file is there: no temporary left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: downloads.path) == [(path as NSString).lastPathComponent])

        try await storage.delete(key)
        #expect(try await storage.exists(key) == false)
        #expect(try await storage.head(key) == nil)
        await #expect(throws: StorageError.notFound("jobs/j1/out.bin")) { try await storage.localPath(for: key, downloadingInto: downloads.path) }
        try await storage.delete(key)
    }

    @Test("a 12 MiB file goes up in three 5 MiB parts and comes back with the same SHA-256")
    func multipart() async throws {
        let server = try S3TestServer.shared()
        let storage = try Self.storage(endpoint: server.endpoint, bucket: try server.makeBucket("multi"), multipart: 5 << 20)
        let directory = try TestMedia.temporaryDirectory("s3-multipart")
        let source = try Self.randomFile(directory, bytes: 12 << 20)
        let key = try StorageKey("renders/big file.mp4")

        let stored = try await storage.put(file: source, key: key, contentType: "video/mp4")
        #expect(stored.bytes == 12 << 20)
        let info = try #require(try await storage.head(key))
        #expect(info.bytes == 12 << 20)
        #expect(info.contentType == "video/mp4")
        // A multipart object's ETag ends in -<part count>.
        #expect(info.etag?.hasSuffix("-3\"") == true, "\(info.etag ?? "no etag")")
        let path = try await storage.localPath(for: key, downloadingInto: directory.path)
        #expect(try Self.sha256(path) == Self.sha256(source))
        #expect(try await storage.incompleteUploads().isEmpty)
    }

    @Test("multipart uploads, from a file and from a stream, carry a CRC-32 per part: the object's composite checksum is zlib's over the parts")
    func partChecksums() async throws {
        let server = try S3TestServer.shared()
        let bucket = try server.makeBucket("crc")
        let storage = try Self.storage(endpoint: server.endpoint, bucket: bucket, multipart: 5 << 20)
        let directory = try TestMedia.temporaryDirectory("s3-crc")
        // Not a whole number of parts, nor of the checksum's 8-byte steps.
        let source = try Self.randomFile(directory, bytes: (11 << 20) + 13)
        let fromFile = try StorageKey("crc/file.bin")
        _ = try await storage.put(file: source, key: fromFile, contentType: "application/octet-stream")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        let fromStream = try StorageKey("crc/stream.bin")
        // Parts sized for the cap: 5 MiB here too (1 GiB needs fewer than 10,000 of them).
        _ = try await storage.put(
            stream: StreamedPutTests.Body(data: bytes),
            key: fromStream,
            contentType: "application/octet-stream",
            maximumBytes: 1 << 30
        )
        let script = """
            import base64, boto3, sys, zlib
            c = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='a', aws_secret_access_key='b')
            data = open(sys.argv[3], 'rb').read()
            parts = [data[i:i + 5 * 1024 * 1024] for i in range(0, len(data), 5 * 1024 * 1024)]
            crcs = b''.join(zlib.crc32(p).to_bytes(4, 'big') for p in parts)
            expected = base64.b64encode(zlib.crc32(crcs).to_bytes(4, 'big')).decode()
            for key in sys.argv[4:]:
                head = c.head_object(Bucket=sys.argv[2], Key=key, ChecksumMode='ENABLED')
                # S3 writes the part count after a dash; moto does not.
                got = head.get('ChecksumCRC32', '')
                print(key, got.split('-')[0] == expected and head.get('ChecksumType', 'COMPOSITE') == 'COMPOSITE', got, expected)
            """
        let status = try Shell.run("python3", ["-c", script, server.endpoint, bucket, source, "mixdown/crc/file.bin", "mixdown/crc/stream.bin"])
        #expect(status.exitCode == 0, "\(status.standardError)")
        let lines = status.standardOutput.split(separator: "\n")
        #expect(lines.count == 2)
        for line in lines { #expect(line.split(separator: " ").dropFirst().first == "True", "\(line)") }
    }

    @Test("a Range GET returns exactly those bytes")
    func rangeGet() async throws {
        let server = try S3TestServer.shared()
        let storage = try Self.storage(endpoint: server.endpoint, bucket: try server.makeBucket("range"))
        let directory = try TestMedia.temporaryDirectory("s3-range")
        let source = directory.appendingPathComponent("text.txt").path
        try Data("0123456789abcdefghijklmnopqrstuvwxyz".utf8).write(to: URL(fileURLWithPath: source))
        let key = try StorageKey("text.txt")
        _ = try await storage.put(file: source, key: key, contentType: "text/plain")
        let path = try await storage.download(key, range: 10...19, into: directory.path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "abcdefghij")
    }

    @Test("listing follows continuation tokens over pages smaller than the result, within the prefix only")
    func listing() async throws {
        let server = try S3TestServer.shared()
        let bucket = try server.makeBucket("list")
        let storage = try Self.storage(endpoint: server.endpoint, bucket: bucket)
        let directory = try TestMedia.temporaryDirectory("s3-list")
        let source = try Self.randomFile(directory, bytes: 10)
        let names = (0..<7).map { "list/item-\($0).bin" } + ["other/a.bin", "listing.bin"]
        for name in names { _ = try await storage.put(file: source, key: try StorageKey(name), contentType: "application/octet-stream") }
        let listed = try await storage.list(prefix: "list/", pageSize: 3)
        #expect(listed.map(\.key.rawValue) == (0..<7).map { "list/item-\($0).bin" })
        #expect(listed.allSatisfy { $0.bytes == 10 })
        #expect(try await storage.list(prefix: "list/", pageSize: 2, limit: 5).count == 5)
        // Keys outside the adapter's own prefix are not seen.
        let other = try Self.storage(endpoint: server.endpoint, bucket: bucket, prefix: "elsewhere")
        #expect(try await other.list().isEmpty)
    }

    @Test(
        "keys with spaces, unicode, + and = round-trip",
        arguments: ["a b/c d.txt", "ü/日本 語.txt", "a+b=c/d+e=f.txt", "x~y!*'(),;@$&.txt", "100%/50%25.txt"]
    )
    func specialKeys(name: String) async throws {
        let server = try S3TestServer.shared()
        let storage = try Self.storage(endpoint: server.endpoint, bucket: try server.makeBucket("keys"))
        let directory = try TestMedia.temporaryDirectory("s3-keys")
        let source = try Self.randomFile(directory, bytes: 1_000)
        let key = try StorageKey(name)
        _ = try await storage.put(file: source, key: key, contentType: "text/plain")
        #expect(try await storage.exists(key))
        #expect(try await storage.list().map(\.key) == [key])
        let path = try await storage.localPath(for: key, downloadingInto: directory.path)
        #expect(try Self.sha256(path) == Self.sha256(source))
        try await storage.delete(key)
        #expect(try await storage.exists(key) == false)
    }

    @Test("presigned GET and PUT URLs work with curl; the download name comes back as an attachment")
    func presigned() async throws {
        let server = try S3TestServer.shared()
        let storage = try Self.storage(endpoint: server.endpoint, bucket: try server.makeBucket("presign"))
        let directory = try TestMedia.temporaryDirectory("s3-presign")
        let source = try Self.randomFile(directory, bytes: 50_000)
        let key = try StorageKey("uploads/voice take 1.wav")

        let upload = try storage.presignedUploadURL(for: key, expiresInSeconds: 600, contentType: "audio/wav")
        let put = try Shell.run("curl", ["-sS", "-f", "-X", "PUT", "-H", "Content-Type: audio/wav", "--data-binary", "@\(source)", upload])
        #expect(put.exitCode == 0, "\(put.standardError)")
        #expect(try await storage.head(key)?.contentType == "audio/wav")

        let download = try #require(try storage.downloadURL(for: key, expiresInSeconds: 600, downloadName: "Voice \"take\" 1.wav"))
        let fetched = directory.appendingPathComponent("fetched.wav").path
        let headers = directory.appendingPathComponent("headers.txt").path
        let get = try Shell.run("curl", ["-sS", "-f", "-D", headers, "-o", fetched, download])
        #expect(get.exitCode == 0, "\(get.standardError)")
        #expect(try Self.sha256(fetched) == Self.sha256(source))
        // moto ignores response-content-disposition (AWS and R2 honour it), so only the signed request
        // parameter can be checked here; its signature is checked against botocore in S3SigV4Tests.
        #expect(
            download.contains("response-content-disposition=attachment%3B%20filename%3D%22Voice%20_take_%201.wav%22%3B%20filename%2A%3DUTF-8%27%27")
        )
    }

    @Test("a public base URL replaces presigning")
    func publicBaseURL() async throws {
        let storage = S3Storage(
            settings: try S3Settings(
                endpoint: "https://account.r2.cloudflarestorage.com",
                bucket: "media",
                keyPrefix: "p",
                credentials: Self.credentials,
                publicBaseURL: "https://cdn.example.com/media/"
            )
        )
        let url = try storage.downloadURL(for: StorageKey("a b/ü.mp3"), expiresInSeconds: 60, downloadName: "x.mp3")
        #expect(url == "https://cdn.example.com/media/p/a%20b/%C3%BC.mp3")
    }

    @Test("a part that fails aborts the whole upload: no incomplete upload and no object remain")
    func abortOnFailure() async throws {
        let server = try S3TestServer.shared()
        let bucket = try server.makeBucket("abort")
        let proxy = try S3FaultProxy(
            upstream: server,
            rules: [.init(match: "partNumber=2&", status: 400, code: "InvalidRequest", times: 100)]
        )
        defer { proxy.stop() }
        let failing = try Self.storage(endpoint: proxy.endpoint, bucket: bucket, multipart: 5 << 20)
        let direct = try Self.storage(endpoint: server.endpoint, bucket: bucket)
        let directory = try TestMedia.temporaryDirectory("s3-abort")
        let source = try Self.randomFile(directory, bytes: 11 << 20)
        let key = try StorageKey("renders/doomed.mp4")

        do {
            _ = try await failing.put(file: source, key: key, contentType: "video/mp4")
            Issue.record("the upload succeeded through a failing part")
        } catch let error as S3Error {
            #expect(error.operation == "UploadPart")
            #expect(error.status == 400)
            #expect(error.s3Code == "InvalidRequest")
            #expect(error.key == "mixdown/renders/doomed.mp4")
            #expect(!error.description.contains("test-secret"))
        }
        #expect(try await direct.incompleteUploads().isEmpty)
        #expect(try await direct.exists(key) == false)
        // A 4xx is final: the failing part was sent once.
        #expect(try proxy.counts() == [.init(seen: 1, faulted: 1)])
    }

    @Test("503 SlowDown twice, then success: the request is retried and lands")
    func retriesServerErrors() async throws {
        let server = try S3TestServer.shared()
        let bucket = try server.makeBucket("retry")
        let proxy = try S3FaultProxy(
            upstream: server,
            rules: [.init(match: "PUT /\(bucket)/mixdown/flaky.bin", status: 503, code: "SlowDown", times: 2)]
        )
        defer { proxy.stop() }
        let storage = try Self.storage(endpoint: proxy.endpoint, bucket: bucket)
        let directory = try TestMedia.temporaryDirectory("s3-retry")
        let source = try Self.randomFile(directory, bytes: 300_000)
        let key = try StorageKey("flaky.bin")
        _ = try await storage.put(file: source, key: key, contentType: "application/octet-stream")
        #expect(try proxy.counts() == [.init(seen: 3, faulted: 2)])
        let direct = try Self.storage(endpoint: server.endpoint, bucket: bucket)
        let path = try await direct.localPath(for: key, downloadingInto: directory.path)
        #expect(try Self.sha256(path) == Self.sha256(source))
    }

    @Test("a server that keeps failing exhausts the retries and names the operation and code")
    func retriesAreBounded() async throws {
        let server = try S3TestServer.shared()
        let bucket = try server.makeBucket("bounded")
        let proxy = try S3FaultProxy(upstream: server, rules: [.init(match: "HEAD ", status: 500, code: "InternalError", times: 100)])
        defer { proxy.stop() }
        let storage = try Self.storage(endpoint: proxy.endpoint, bucket: bucket, retries: 2)
        await #expect { try await storage.exists(StorageKey("x")) } throws: { error in
            (error as? S3Error)?.operation == "HeadObject" && (error as? S3Error)?.status == 500
        }
        #expect(try proxy.counts() == [.init(seen: 3, faulted: 3)])
    }

    @Test("403 is not retried")
    func clientErrorsAreFinal() async throws {
        let server = try S3TestServer.shared()
        let bucket = try server.makeBucket("denied")
        let proxy = try S3FaultProxy(upstream: server, rules: [.init(match: "GET /\(bucket)/", status: 403, code: "AccessDenied", times: 100)])
        defer { proxy.stop() }
        let storage = try Self.storage(endpoint: proxy.endpoint, bucket: bucket)
        let directory = try TestMedia.temporaryDirectory("s3-denied")
        await #expect { try await storage.localPath(for: StorageKey("secret.bin"), downloadingInto: directory.path) } throws: { error in
            guard let error = error as? S3Error else { return false }
            return error.operation == "GetObject" && error.status == 403 && error.s3Code == "AccessDenied"
                && error.description.contains("mixdown/secret.bin")
        }
        #expect(try proxy.counts() == [.init(seen: 1, faulted: 1)])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("checkReady passes on a writable bucket and fails on a missing one")
    func readiness() async throws {
        let server = try S3TestServer.shared()
        let storage = try Self.storage(endpoint: server.endpoint, bucket: try server.makeBucket("ready"))
        try await storage.checkReady()
        #expect(try await storage.list(prefix: "").isEmpty)
        let missing = try Self.storage(endpoint: server.endpoint, bucket: "no-such-bucket-here")
        await #expect { try await missing.checkReady() } throws: { error in
            (error as? S3Error)?.s3Code == "NoSuchBucket"
        }
    }

    @Test("a connection refused is retried, then reported as a connection failure")
    func connectionRefused() async throws {
        // A port nobody listens on any more.
        let proxy = try S3FaultProxy(upstream: try S3TestServer.shared(), rules: [])
        let endpoint = proxy.endpoint
        proxy.stop()
        // The client keeps trying to connect until its connect timeout; a short one keeps the test short.
        let client = HTTPClient(configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .milliseconds(500))))
        let settings = try S3Settings(endpoint: endpoint, bucket: "anything", credentials: Self.credentials, retries: 1)
        let storage = S3Storage(settings: settings, httpClient: client)
        await #expect { try await storage.exists(StorageKey("x")) } throws: { error in
            guard let error = error as? S3Error else { return false }
            return error.status == nil && error.description.contains("connection failed") && error.isRetryable
        }
        try await client.shutdown()
    }

    @Test("cancelling a multipart upload aborts it on the server")
    func cancellationAborts() async throws {
        let server = try S3TestServer.shared()
        let bucket = try server.makeBucket("cancel")
        let proxy = try S3FaultProxy(upstream: server, rules: [.init(match: "partNumber=2&", status: 0, code: "", times: 100, hang: true)])
        defer { proxy.stop() }
        let storage = try Self.storage(endpoint: proxy.endpoint, bucket: bucket, multipart: 5 << 20)
        let directory = try TestMedia.temporaryDirectory("s3-cancel")
        let source = try Self.randomFile(directory, bytes: 11 << 20)
        let upload = Task { try await storage.put(file: source, key: StorageKey("renders/cancelled.mp4"), contentType: "video/mp4") }
        try await proxy.waitForHang()
        let direct = try Self.storage(endpoint: server.endpoint, bucket: bucket)
        #expect(try await direct.incompleteUploads().count == 1)
        upload.cancel()
        await #expect(throws: CancellationError.self) { try await upload.value }
        #expect(try await direct.incompleteUploads().isEmpty)
        #expect(try await direct.exists(StorageKey("renders/cancelled.mp4")) == false)
    }
}
