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
        try await harness.run { client async throws in
            // Fails at once: nothing listens on port 9.
            let failing = "version: 1\nkind: edit\ninputs: { v: { url: \"http://127.0.0.1:9/none.wav\" } }\noutputs: { o: {} }\n"
            let (_, created) = try await client.json("/v1/jobs", .post, body: "{\"recipe\": \(jsonString(failing))}")
            let failed = try #require(created["id"] as? String)
            #expect(try await client.finished(failed)["status"] as? String == "failed")

            // Cancelled on request (202), then it has ended too. Looping 20 s of voice 300 times keeps it busy.
            let assetId = try #require(try await client.upload(try TestMedia.path("voice.wav"), name: "voice.wav").json()["id"] as? String)
            let slow =
                "version: 1\nkind: edit\ninputs: { v: { asset: \(assetId) } }\nsteps:\n  - loop: { count: 300 }\n  - denoise: {}\noutputs: { o: { format: flac } }\n"
            let (_, submitted) = try await client.json("/v1/edit/save", .post, body: "{\"recipe\": \(jsonString(slow))}")
            let cancelled = try #require(submitted["id"] as? String)
            let (first, _) = try await client.json("/v1/jobs/\(cancelled)", .delete)
            #expect(first == .accepted)
            #expect(try await client.finished(cancelled)["status"] as? String == "cancelled")

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
