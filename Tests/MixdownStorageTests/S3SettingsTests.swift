import Foundation
import Testing

@testable import MixdownStorage

@Suite("S3 settings")
struct S3SettingsTests {
    @Test("s3://bucket/prefix parses into bucket and a prefix ending in /")
    func storageURL() throws {
        let settings = try S3Settings(
            url: "s3://media-bucket/mixdown/prod/",
            endpoint: nil,
            region: "eu-west-1",
            accessKeyId: "AKID",
            secretAccessKey: "secret"
        )
        #expect(settings.bucket == "media-bucket")
        #expect(settings.keyPrefix == "mixdown/prod/")
        #expect(settings.host == "s3.eu-west-1.amazonaws.com")
        #expect(settings.addressingStyle == .virtualHost)
        #expect(settings.requestHost == "media-bucket.s3.eu-west-1.amazonaws.com")
        #expect(settings.requestPath(objectName: settings.objectName(try StorageKey("a b/c.mp3"))) == "/mixdown/prod/a%20b/c.mp3")
        let bare = try S3Settings(url: "s3://media-bucket", endpoint: nil, region: nil, accessKeyId: "a", secretAccessKey: "b")
        #expect(bare.keyPrefix == "")
        #expect(bare.region == "us-east-1")
        #expect(bare.host == "s3.amazonaws.com")
    }

    @Test("a custom endpoint means path style; R2 means region auto; ports other than the default are kept")
    func customEndpoints() throws {
        let credentials = SigV4Credentials(accessKeyId: "a", secretAccessKey: "b")
        let r2 = try S3Settings(endpoint: "https://ACCOUNT.r2.cloudflarestorage.com", bucket: "media", credentials: credentials)
        #expect(r2.region == "auto")
        #expect(r2.addressingStyle == .path)
        #expect(r2.requestHost == "account.r2.cloudflarestorage.com")
        #expect(r2.requestPath(objectName: nil) == "/media")
        let minio = try S3Settings(endpoint: "http://127.0.0.1:9000/", bucket: "media", credentials: credentials)
        #expect(minio.requestHost == "127.0.0.1:9000")
        #expect(minio.region == "us-east-1")
        let defaultPort = try S3Settings(endpoint: "https://minio.example.com:443", bucket: "media", credentials: credentials)
        #expect(defaultPort.requestHost == "minio.example.com")
        let dotted = try S3Settings(region: "us-west-2", bucket: "media.example.com", credentials: credentials)
        #expect(dotted.addressingStyle == .path)
        let forced = try S3Settings(endpoint: "https://minio.example.com", bucket: "media", credentials: credentials, addressingStyle: .virtualHost)
        #expect(forced.requestHost == "media.minio.example.com")
    }

    @Test("every bad value is named at once, and the secret never appears")
    func problems() {
        do {
            _ = try S3Settings(
                url: "s3://Bad_Bucket/../x",
                endpoint: "ftp://example.com",
                region: "EU West",
                accessKeyId: "",
                secretAccessKey: "hunter2-secret",
                publicBaseURL: "cdn.example.com"
            )
            Issue.record("bad settings were accepted")
        } catch {
            #expect(error.problems.count == 6, "\(error.problems)")
            #expect(error.description.contains("S3_ENDPOINT"))
            #expect(error.description.contains("bucket name 'Bad_Bucket'"))
            #expect(!error.description.contains("hunter2"))
        }
        #expect(throws: S3ConfigurationError.self) {
            try S3Settings(url: "https://bucket/prefix", endpoint: nil, region: nil, accessKeyId: "a", secretAccessKey: "b")
        }
        #expect(throws: S3ConfigurationError.self) {
            try S3Settings(bucket: "media", credentials: SigV4Credentials(accessKeyId: "a", secretAccessKey: "b"), partSize: 1 << 20)
        }
        #expect(throws: S3ConfigurationError.self) {
            try S3Settings(endpoint: "https://host/bucket", bucket: "media", credentials: SigV4Credentials(accessKeyId: "a", secretAccessKey: "b"))
        }
    }

    @Test("files too large for 10,000 parts get larger parts")
    func partSizing() throws {
        let settings = try S3Settings(bucket: "media", credentials: SigV4Credentials(accessKeyId: "a", secretAccessKey: "b"))
        let storage = S3Storage(settings: settings)
        #expect(storage.partSize(forFileOfSize: 100 << 20) == 16 << 20)
        let huge: Int64 = 500 << 30
        let part = storage.partSize(forFileOfSize: huge)
        #expect((huge + part - 1) / part <= 10_000)
        #expect(part % (1 << 20) == 0)
    }

    @Test("download file names are fresh and safe whatever the key", arguments: ["a/b/episode.mp3", "x/..hidden name?.mp3", "ü/日本", "a/.b"])
    func downloadNames(key: String) throws {
        let name = S3Storage.downloadFileName(for: try StorageKey(key))
        #expect(!name.contains("/"))
        #expect(!name.hasPrefix("."))
        #expect(
            name.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-_".unicodeScalars.contains($0))
            }
        )
        #expect(S3Storage.downloadFileName(for: try StorageKey(key)) != name)
    }

    @Test("Content-Disposition quotes safely and keeps the exact name in filename*")
    func disposition() {
        #expect(
            S3Storage.attachmentDisposition(#"my "best" \ épisode%.mp3"#)
                == #"attachment; filename="my _best_ _ _pisode_.mp3"; filename*=UTF-8''my%20%22best%22%20%5C%20%C3%A9pisode%25.mp3"#
        )
    }
}
