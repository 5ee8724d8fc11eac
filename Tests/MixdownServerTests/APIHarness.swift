import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MixdownJobs
import MixdownServer
import MixdownTestSupport
import NIOCore
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Where a harness keeps its files: a folder, or a fresh bucket on the S3-protocol server (moto) the
/// tests start.
enum FileBacking: String, CaseIterable, Sendable {
    case folder
    case bucket
}

/// Where a harness keeps its jobs: a SQLite file, a fresh PostgreSQL database, or a fresh sqld.
enum StoreKind: String, CaseIterable, Sendable {
    case sqlite
    case postgres
    case libsql
}

/// A real server on loopback with a real worker, over a fresh store and a storage folder or bucket.
struct APIHarness {
    let directory: URL
    let services: MixdownServices
    let configuration: ServerConfiguration
    let api: MixdownAPI

    init(
        apiKeys: [String] = [],
        timeouts: [JobType: Double] = MixdownConfiguration.defaultTimeouts,
        maxUploadBytes: Int = 100_000_000,
        maxConcurrentUploads: Int = 16,
        maxDurationSeconds: Double = 1800,
        planningFetchSeconds: Double = 120,
        store: StoreKind = .sqlite,
        files: FileBacking = .folder,
        configure: (inout MixdownConfiguration) -> Void = { _ in }
    ) throws {
        directory = try TestMedia.temporaryDirectory("api")
        var jobs = MixdownConfiguration(
            store: "sqlite:\(directory.appendingPathComponent("store.sqlite").path)",
            storage: directory.appendingPathComponent("storage").path,
            pollSeconds: 1,
            leaseSeconds: 10,
            retryBackoffSeconds: 0,
            timeouts: timeouts
        )
        jobs.allowPrivateURLs = true
        switch store {
        case .sqlite: break
        case .postgres: jobs.store = try PostgresTestServer.freshDatabaseURL("api")
        case .libsql: jobs.store = try LibSQLTestServer.start().url
        }
        if files == .bucket {
            let server = try S3TestServer.shared()
            jobs.storage = "s3://\(try server.makeBucket("api"))/mixdown"
            jobs.s3.endpoint = server.endpoint
            jobs.s3.accessKeyId = "AKIDTEST"
            jobs.s3.secretAccessKey = "test-secret"
        }
        configure(&jobs)
        services = try MixdownServices.make(jobs)
        var server = ServerConfiguration(
            port: 0,
            apiKeys: apiKeys,
            webhookSecret: "render-webhook-secret-0123456789",
            maxUploadBytes: maxUploadBytes,
            maxConcurrentUploads: maxConcurrentUploads,
            maxDurationSeconds: maxDurationSeconds
        )
        server.planningFetchSeconds = planningFetchSeconds
        configuration = server
        api = MixdownAPI(services: services, configuration: configuration)
    }

    /// Runs `body` against the live server while a worker runs jobs in this process.
    func run(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let worker = Task { try await Worker(services: services).run() }
        defer { worker.cancel() }
        try await api.application().test(.live) { client in try await body(client) }
    }

    var storePath: String { directory.appendingPathComponent("store.sqlite").path }

    /// Files under the storage root, relative, sorted.
    func storedFiles() -> [String] {
        let root = directory.appendingPathComponent("storage").path
        let enumerator = FileManager.default.enumerator(atPath: root)
        var files: [String] = []
        while let next = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(root)/\(next)", isDirectory: &isDirectory), !isDirectory.boolValue { files.append(next) }
        }
        return files.sorted()
    }
}

extension TestResponse {
    func json() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])
    }
}

extension TestClientProtocol {
    func json(
        _ uri: String,
        _ method: HTTPRequest.Method = .get,
        headers: HTTPFields = [:],
        body: String? = nil,
        type: String = "application/json"
    ) async throws -> (HTTPResponse.Status, [String: Any]) {
        var fields = headers
        if body != nil { fields[.contentType] = type }
        let response = try await execute(uri: uri, method: method, headers: fields, body: body.map { ByteBuffer(string: $0) })
        return (response.status, (try? response.json()) ?? [:])
    }

    func status(_ uri: String, headers: HTTPFields = [:]) async throws -> HTTPResponse.Status {
        try await execute(uri: uri, method: .get, headers: headers).status
    }

    func upload(_ path: String, name: String, type: String = "audio/wav", headers: HTTPFields = [:]) async throws -> TestResponse {
        var fields = headers
        fields[.contentType] = type
        return try await execute(
            uri: "/v1/uploads?filename=\(name)",
            method: .post,
            headers: fields,
            body: ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: path)))
        )
    }

    /// Fetches an output or asset URL: through the API for its own signed paths, straight from the
    /// bucket for presigned ones (as a client would).
    func download(_ url: String) async throws -> (status: Int, body: Data, contentType: String?, disposition: String?) {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            let response = try await execute(uri: url, method: .get)
            return (
                Int(response.status.code), Data(response.body.readableBytesView), response.headers[.contentType],
                response.headers[.contentDisposition]
            )
        }
        let (data, response) = try await URLSession.shared.data(from: try #require(URL(string: url)))
        let http = try #require(response as? HTTPURLResponse)
        return (http.statusCode, data, http.value(forHTTPHeaderField: "Content-Type"), http.value(forHTTPHeaderField: "Content-Disposition"))
    }

    /// Polls a job through `route` until it ends; every read goes through the HTTP API.
    func finished(_ id: String, route: String = "/v1/jobs", seconds: Double = 60) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            let (status, job) = try await json("\(route)/\(id)")
            #expect(status == .ok)
            if ["succeeded", "failed", "cancelled"].contains(job["status"] as? String ?? "") { return job }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSupportError("job \(id) did not finish")
    }
}

/// The JSON string of a recipe document.
func jsonString(_ text: String) -> String {
    String(decoding: try! JSONSerialization.data(withJSONObject: [text], options: []), as: UTF8.self).dropFirst().dropLast().description
}

/// One part of a multipart/form-data body.
struct FormPart {
    var name: String
    var file: String? = nil
    var type: String? = nil
    var content: Data
}

extension TestClientProtocol {
    /// POSTs a multipart/form-data body made of `parts`.
    func multipart(
        _ uri: String,
        _ parts: [FormPart],
        headers: HTTPFields = [:],
        boundary: String = "mixdown-test-boundary"
    ) async throws
        -> TestResponse
    {
        var fields = headers
        fields[.contentType] = "multipart/form-data; boundary=\(boundary)"
        return try await execute(uri: uri, method: .post, headers: fields, body: multipartBody(boundary: boundary, parts))
    }
}

/// A multipart/form-data body as a browser sends it.
func multipartBody(boundary: String, _ parts: [FormPart]) -> ByteBuffer {
    var body = Data()
    for part in parts {
        var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
        if let file = part.file { head += "; filename=\"\(file)\"" }
        if let type = part.type { head += "\r\nContent-Type: \(type)" }
        body += Data((head + "\r\n\r\n").utf8) + part.content + Data("\r\n".utf8)
    }
    body += Data("--\(boundary)--\r\n".utf8)
    return ByteBuffer(bytes: body)
}
