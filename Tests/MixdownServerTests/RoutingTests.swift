import Foundation
import HTTPTypes
import HummingbirdTesting
import MixdownServer
import MixdownTestSupport
import NIOCore
import Testing

/// The router by concern: unknown routes are problem documents, never another route's handler, and every
/// GET route answers HEAD with the GET's headers and no body.
@Suite("API routing")
struct RoutingTests {
    static let unknownJob = "job_01M8AKPM2RP9WFKRFDP5V5E8FX"

    @Test("unknown paths and methods under /v1 are 404 problem documents, with and without API keys", arguments: [false, true])
    func unknownRoutes(withKeys: Bool) async throws {
        let harness = try APIHarness(apiKeys: withKeys ? ["test-key-0123456789abcdef"] : [])
        let auth: HTTPFields = withKeys ? [.authorization: "Bearer test-key-0123456789abcdef"] : [:]
        try await harness.run { client async throws in
            let requests: [(String, HTTPRequest.Method)] = [
                ("/v1/nothing", .get),
                // Once the default of a string switch: a path under a feature prefix went to `show`.
                ("/v1/edit/\(Self.unknownJob)", .get),
                ("/v1/edit", .post),
                ("/v1/ingest/\(Self.unknownJob)/events", .get),
                ("/v1/jobs/\(Self.unknownJob)/nothing", .get),
                ("/v1/jobs", .put),
                ("/v1/assets", .get),
                ("/v1", .get),
            ]
            for (uri, method) in requests {
                let response = try await client.execute(uri: uri, method: method, headers: auth)
                #expect(response.status == .notFound, "\(method) \(uri)")
                #expect(response.headers[.contentType] == "application/problem+json", "\(method) \(uri)")
                let problem = try response.json()
                #expect(problem["code"] as? String == "not-found", "\(method) \(uri)")
                #expect(problem["status"] as? Int == 404)
                #expect(problem["id"] == nil && problem["jobs"] == nil, "no handler answered \(method) \(uri)")
            }
        }
    }

    @Test("HEAD on a job, an asset's metadata and its content: the GET's status and headers, no body")
    func head() async throws {
        let harness = try APIHarness()
        try await harness.run { client async throws in
            let asset = try await client.upload(try TestMedia.path("intro.wav"), name: "intro.wav").json()
            let assetId = try #require(asset["id"] as? String)
            let recipe = "version: 1\nkind: edit\ninputs: { v: { url: \"http://127.0.0.1:9/none.wav\" } }\noutputs: { o: {} }\n"
            let (_, job) = try await client.json("/v1/jobs", .post, body: "{\"recipe\": \(jsonString(recipe))}")
            let jobId = try #require(job["id"] as? String)
            // A finished job, so the GET and the HEAD describe the same document.
            _ = try await client.finished(jobId)
            let streamUrl = try #require(asset["streamUrl"] as? String)
            for uri in ["/v1/jobs/\(jobId)", "/v1/render/\(jobId)", "/v1/assets/\(assetId)", streamUrl, "/healthz"] {
                let get = try await client.execute(uri: uri, method: .get)
                let head = try await client.execute(uri: uri, method: .head)
                #expect(get.status == .ok && head.status == .ok, "\(uri)")
                #expect(head.body.readableBytes == 0, "\(uri)")
                #expect(head.headers[.contentType] == get.headers[.contentType], "\(uri)")
                let length = try #require(get.headers[.contentLength], "\(uri)")
                #expect(Int(length) == get.body.readableBytes, "\(uri)")
                #expect(head.headers[.contentLength] == length, "\(uri)")
            }
            let content = try await client.execute(uri: streamUrl, method: .head)
            #expect(content.headers[.acceptRanges] == "bytes")
            #expect(Int(content.headers[.contentLength] ?? "") == asset["bytes"] as? Int)
            // A ranged HEAD describes the range.
            let ranged = try await client.execute(uri: streamUrl, method: .head, headers: [.range: "bytes=0-9"])
            #expect(ranged.status == .partialContent && ranged.headers[.contentLength] == "10" && ranged.body.readableBytes == 0)
            // A HEAD that fails: the problem's status and headers, no body; the connection stays usable.
            let missing = try await client.execute(uri: "/v1/jobs/\(Self.unknownJob)", method: .head)
            #expect(missing.status == .notFound && missing.body.readableBytes == 0)
            #expect(missing.headers[.contentType] == "application/problem+json")
            let unknown = try await client.execute(uri: "/v1/nothing", method: .head)
            #expect(unknown.status == .notFound && unknown.body.readableBytes == 0)
            #expect(try await client.status("/healthz") == .ok)
        }
    }
}
