import Foundation
import MixdownTestSupport
import Testing

@testable import MixdownStorage

/// The signer against botocore 1.43.11 byte for byte (every intermediate string), and against AWS's
/// own published examples.
@Suite("S3 SigV4 signer")
struct S3SigV4Tests {
    struct Vectors: Decodable {
        var epochSeconds: Double
        var accessKeyId: String
        var secretAccessKey: String
        var botocore: String
        var cases: [Vector]
    }

    struct Vector: Decodable, CustomTestStringConvertible {
        var name: String
        var kind: String
        var endpoint: String?
        var region: String
        var addressing: String
        var sessionToken: String?
        var bucket: String
        var key: String?
        var method: String
        var query: [[String]]
        var headers: [String: String]
        var body: String?
        var unsignedPayload: Bool?
        var contentType: String?
        var expires: Int?
        var url: String
        var canonicalRequest: String
        var stringToSign: String
        var authorization: String?

        var testDescription: String { name }
    }

    /// botocore's answers, computed by running it (Scripts/s3-sigv4-vectors.py) in this test run.
    static let vectors: Vectors = {
        let script = TestMedia.repositoryRoot.appendingPathComponent("Scripts/s3-sigv4-vectors.py").path
        guard let status = try? Shell.run("python3", [script]), status.exitCode == 0,
            let vectors = try? JSONDecoder().decode(Vectors.self, from: Data(status.standardOutput.utf8))
        else { return Vectors(epochSeconds: 0, accessKeyId: "", secretAccessKey: "", botocore: "missing", cases: []) }
        return vectors
    }()

    static func settings(for vector: Vector) throws -> S3Settings {
        try S3Settings(
            endpoint: vector.endpoint,
            region: vector.region,
            bucket: vector.bucket,
            credentials: SigV4Credentials(
                accessKeyId: vectors.accessKeyId,
                secretAccessKey: vectors.secretAccessKey,
                sessionToken: vector.sessionToken
            ),
            addressingStyle: vector.addressing == "path" ? .path : .virtualHost
        )
    }

    static func request(for vector: Vector, settings: S3Settings) -> SigV4Request {
        SigV4Request(
            method: vector.method,
            host: settings.requestHost,
            path: settings.requestPath(objectName: vector.key),
            query: vector.query.compactMap { $0.count == 2 ? SigV4Request.Field($0[0], $0[1]) : nil },
            headers: vector.headers.map { SigV4Request.Field($0.key, $0.value) }
        )
    }

    @Test("botocore ran and produced the whole table")
    func tableIsThere() {
        #expect(Self.vectors.botocore == "1.43.11")
        #expect(Self.vectors.cases.count == 35)
    }

    @Test("Authorization headers match botocore's byte for byte", arguments: vectors.cases.filter { $0.kind == "header" })
    func headerSigning(vector: Vector) throws {
        let settings = try Self.settings(for: vector)
        let request = Self.request(for: vector, settings: settings)
        let payloadHash =
            vector.unsignedPayload == true
            ? SigV4Signer.unsignedPayload
            : SigV4Signer.payloadHash(Data((vector.body ?? "").utf8))
        let signer = SigV4Signer(credentials: settings.credentials, region: settings.region)
        let signed = signer.signHeaders(request, payloadHash: payloadHash, date: Date(timeIntervalSince1970: Self.vectors.epochSeconds))
        #expect(signed.canonicalRequest == vector.canonicalRequest)
        #expect(signed.stringToSign == vector.stringToSign)
        #expect(signed.authorization == vector.authorization)
        // Scheme, host and path as sent (botocore's query order differs; the canonical query above covers it).
        let sent = "\(settings.scheme)://\(settings.requestHost)\(request.path)"
        #expect(sent == String(vector.url.prefix { $0 != "?" }))
    }

    @Test("presigned URLs match botocore's byte for byte", arguments: vectors.cases.filter { $0.kind == "presigned" })
    func presigning(vector: Vector) throws {
        let settings = try Self.settings(for: vector)
        var request = Self.request(for: vector, settings: settings)
        if let contentType = vector.contentType { request.headers.append(.init("content-type", contentType)) }
        let signer = SigV4Signer(credentials: settings.credentials, region: settings.region)
        let signed = try signer.presign(request, expiresInSeconds: vector.expires ?? 0, date: Date(timeIntervalSince1970: Self.vectors.epochSeconds))
        #expect(signed.canonicalRequest == vector.canonicalRequest)
        #expect(signed.stringToSign == vector.stringToSign)
        #expect("\(settings.scheme)://\(settings.requestHost)\(request.path)?\(signed.query)" == vector.url)
    }

    @Test("the adapter's download URL with a download name is botocore's presigned GET")
    func adapterDownloadURL() async throws {
        let vector = try #require(Self.vectors.cases.first { $0.name == "presign-get-virtual-disposition" })
        let settings = try S3Settings(
            region: "eu-central-1",
            bucket: "example-bucket",
            keyPrefix: "out",
            credentials: SigV4Credentials(accessKeyId: Self.vectors.accessKeyId, secretAccessKey: Self.vectors.secretAccessKey)
        )
        let epoch = Self.vectors.epochSeconds
        let storage = S3Storage(settings: settings, clock: { Date(timeIntervalSince1970: epoch) })
        let url = try storage.downloadURL(for: StorageKey("episode 1.mp3"), expiresInSeconds: 900, downloadName: "Épisode 1.mp3")
        #expect(url == vector.url)
    }

    /// AWS's documented example: "GET Object" with a Range header, Signature Version 4 (Authorization header).
    @Test("AWS's published GET example signs to f0e8bdb8…")
    func awsHeaderExample() {
        let signer = SigV4Signer(
            credentials: SigV4Credentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1"
        )
        let request = SigV4Request(method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt", headers: [.init("Range", "bytes=0-9")])
        let signed = signer.signHeaders(request, payloadHash: SigV4Signer.emptyPayloadHash, date: Date(timeIntervalSince1970: 1_369_353_600))
        #expect(
            signed.canonicalRequest == """
                GET
                /test.txt

                host:examplebucket.s3.amazonaws.com
                range:bytes=0-9
                x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                x-amz-date:20130524T000000Z

                host;range;x-amz-content-sha256;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """
        )
        #expect(
            signed.stringToSign == """
                AWS4-HMAC-SHA256
                20130524T000000Z
                20130524/us-east-1/s3/aws4_request
                7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
                """
        )
        #expect(signed.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(
            signed.authorization
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
    }

    /// AWS's documented presigned URL example (query parameters, 86,400 seconds).
    @Test("AWS's published presigned GET example signs to aeeed9bb…")
    func awsPresignedExample() throws {
        let signer = SigV4Signer(
            credentials: SigV4Credentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1"
        )
        let request = SigV4Request(method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt")
        let signed = try signer.presign(request, expiresInSeconds: 86_400, date: Date(timeIntervalSince1970: 1_369_353_600))
        #expect(signed.signature == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    @Test("presigned URLs last at most seven days")
    func expiryBounds() {
        let signer = SigV4Signer(credentials: SigV4Credentials(accessKeyId: "a", secretAccessKey: "b"), region: "us-east-1")
        let request = SigV4Request(method: "GET", host: "h", path: "/k")
        #expect(throws: StorageError.self) { try signer.presign(request, expiresInSeconds: 604_801, date: Date()) }
        #expect(throws: StorageError.self) { try signer.presign(request, expiresInSeconds: 0, date: Date()) }
        #expect(throws: Never.self) { try signer.presign(request, expiresInSeconds: 604_800, date: Date()) }
    }

    @Test(
        "timestamps are UTC, across leap days and far dates",
        arguments: [
            (0.0, "19700101T000000Z"), (951_782_400, "20000229T000000Z"), (1_709_251_199, "20240229T235959Z"), (4_102_444_800, "21000101T000000Z"),
        ]
    )
    func timestamps(seconds: Double, expected: String) {
        #expect(SigV4Signer.Timestamp(Date(timeIntervalSince1970: seconds)).dateTime == expected)
    }

    @Test("credentials never print their secret")
    func redaction() {
        let credentials = SigV4Credentials(accessKeyId: "AKID", secretAccessKey: "very-secret", sessionToken: "token-secret")
        #expect(!"\(credentials)".contains("very-secret"))
        #expect(!"\(credentials)".contains("token-secret"))
        #expect("\(credentials)".contains("AKID"))
    }
}
