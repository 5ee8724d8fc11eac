import Foundation
import HTTPTypes
import HummingbirdTesting
import MixdownServer
import MixdownTestSupport
import NIOCore
import Testing

/// Cancelling a job that has ended is a 409 `job-finished` problem document on every cancel route.
@Suite("Cancel a finished job")
struct CancelFinishedTests {
    static let routes: [(String, HTTPRequest.Method)] = [
        ("/v1/jobs/%@", .delete), ("/v1/jobs/%@/cancel", .post), ("/v1/ingest/%@", .delete), ("/v1/edit/preview/%@", .delete),
        ("/v1/edit/save/%@", .delete), ("/v1/render/%@", .delete),
    ]

    @Test("a failed job and a cancelled job answer 409 on every cancel route, and stay as they were")
    func finishedJobs() async throws {
        let harness = try APIHarness()
        // Fails at once: nothing listens on port 9.
        let failing = "version: 1\nkind: edit\ninputs: { v: { url: \"http://127.0.0.1:9/none.wav\" } }\noutputs: { o: {} }\n"
        let document = "{\"recipe\": \(jsonString(failing))}"
        // No worker yet: both jobs stay queued, and a queued job is cancelled at once (202).
        let (cancelled, failed) = try await harness.api.application().test(.live) { client in
            let (_, first) = try await client.json("/v1/jobs", .post, body: document)
            let cancelled = try #require(first["id"] as? String)
            let (status, job) = try await client.json("/v1/jobs/\(cancelled)", .delete)
            #expect(status == .accepted && job["status"] as? String == "cancelled")
            let (_, second) = try await client.json("/v1/jobs", .post, body: document)
            return (cancelled, try #require(second["id"] as? String))
        }
        // With a worker, the other one runs and fails.
        try await harness.run { client async throws in
            #expect(try await client.finished(failed)["status"] as? String == "failed")
            for (id, status) in [(failed, "failed"), (cancelled, "cancelled")] {
                for (template, method) in Self.routes {
                    let response = try await client.execute(uri: template.replacingOccurrences(of: "%@", with: id), method: method)
                    #expect(response.status == .conflict, "\(method) \(template) on a \(status) job")
                    #expect(response.headers[.contentType] == "application/problem+json")
                    #expect(try response.json()["code"] as? String == "job-finished")
                }
                let (_, job) = try await client.json("/v1/jobs/\(id)")
                #expect(job["status"] as? String == status)
            }
        }
    }
}
