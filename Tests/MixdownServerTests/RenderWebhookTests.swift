import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MixdownJobs
import MixdownPlanner
import MixdownRecipe
import MixdownServer
import MixdownStorage
import MixdownTestSupport
import NIOCore
import Testing

/// `POST /v1/webhooks/render` and the signed storage route, over a real server and store, with the job
/// in the state a dispatching worker leaves it: claimed (its lease token is the dispatch id), its plan
/// recorded. No worker runs, so what the webhook records is read back from the store.
@Suite("Render webhook")
struct RenderWebhookTests {
    static let secret = "render-webhook-secret-0123456789"

    /// A running render job with a recorded plan of one output, `video` (`video.mp4`), and its lease.
    static func dispatchedJob(_ harness: APIHarness) async throws -> (Job, Lease) {
        let store = harness.services.store
        _ = try await store.submit(
            NewJob(
                type: .render,
                recipe: "version: 1\nkind: render\n",
                recipeName: "remote.yaml",
                parameters: JobParameters(),
                idempotencyKey: nil,
                maxAttempts: 1,
                timeoutSeconds: 600
            )
        )
        let (job, lease) = try #require(try await store.claim(owner: "test", leaseSeconds: 600))
        let output = PlannedOutput(
            name: "video",
            fileName: "video.mp4",
            format: .mp4,
            contentType: "video/mp4",
            expectedDuration: 2,
            expect: nil,
            location: SourceLocation(file: "remote.yaml", line: 1, column: 1)
        )
        let plan = Plan(recipe: "remote.yaml", kind: .render, preview: nil, stages: [], outputs: [output], workFiles: [])
        _ = try await store.recordPlan(lease, plan: String(decoding: try JSONEncoder().encode(plan), as: UTF8.self))
        return (job, lease)
    }

    /// Stores `bytes` where the job's output belongs; its report as a render service would send it.
    static func storeOutput(_ harness: APIHarness, job: Job, lease: Lease, bytes: Data) async throws -> RenderCallback.Output {
        let file = try TestMedia.temporaryDirectory("webhook").appendingPathComponent("video.mp4")
        try bytes.write(to: file)
        let planText = try #require(try await harness.services.store.job(id: job.id)?.plan)
        let planned = try #require(try JSONDecoder().decode(Plan.self, from: Data(planText.utf8)).outputs.first)
        let key = try RemoteRender.outputKey(jobId: job.id, dispatchId: lease.token, output: planned)
        _ = try await harness.services.storage.put(file: file.path, key: key, contentType: "video/mp4")
        let hash = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        return RenderCallback.Output(name: "video", key: key.rawValue, bytes: bytes.count, durationSeconds: 2, sha256: hash)
    }

    static func post(
        _ client: some TestClientProtocol,
        _ callback: RenderCallback,
        secret: String = secret
    ) async throws -> (HTTPResponse.Status, [String: Any]) {
        try await client.json(
            "/v1/webhooks/render",
            .post,
            headers: [.authorization: "Bearer \(secret)"],
            body: String(decoding: try JSONEncoder().encode(callback), as: UTF8.self)
        )
    }

    @Test(
        "a callback is recorded once, for the dispatching run only, after its outputs are checked in storage; wrong secrets, unknown jobs and repeats change nothing",
        arguments: FileBacking.allCases
    )
    func recordsOnce(files: FileBacking) async throws {
        let harness = try APIHarness(files: files)
        let store = harness.services.store
        let (job, lease) = try await Self.dispatchedJob(harness)
        let output = try await Self.storeOutput(harness, job: job, lease: lease, bytes: Data("rendered video bytes".utf8))
        let succeeded = RenderCallback(jobId: job.id, dispatchId: lease.token, status: .succeeded, outputs: [output], error: nil)
        try await harness.api.application().test(.live) { client in
            // A wrong or missing secret: 401, and the job has no report.
            let (wrong, _) = try await Self.post(client, succeeded, secret: "not-the-secret-0123456789")
            #expect(wrong == .unauthorized)
            let bare = try await client.execute(
                uri: "/v1/webhooks/render",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(bytes: try JSONEncoder().encode(succeeded))
            )
            #expect(bare.status == .unauthorized)
            #expect(try await store.remoteReport(jobId: job.id, dispatch: lease.token) == nil)

            // Progress, then the end.
            let progress = RenderCallback(jobId: job.id, dispatchId: lease.token, status: .running, progress: 0.5, outputs: [], error: nil)
            #expect(try await Self.post(client, progress).0 == .accepted)
            #expect(try await store.remoteReport(jobId: job.id, dispatch: lease.token)?.progress == 0.5)
            let (status, body) = try await Self.post(client, succeeded)
            #expect(status == .accepted && body["status"] as? String == "accepted", "\(body)")
            let recorded = try #require(try await store.remoteReport(jobId: job.id, dispatch: lease.token)?.result)
            #expect(try JSONDecoder().decode(RenderCallback.self, from: Data(recorded.utf8)) == succeeded)

            // Repeated, stale or for no job: 200 ignored, nothing changes.
            let (again, repeated) = try await Self.post(client, succeeded)
            #expect(again == .ok && repeated["status"] as? String == "ignored")
            var stale = succeeded
            stale.dispatchId = "an-earlier-dispatch"
            #expect(try await Self.post(client, stale).1["status"] as? String == "ignored")
            var unknown = succeeded
            unknown.jobId = Identifier.make(prefix: "job_", milliseconds: 1)
            #expect(try await Self.post(client, unknown).1["status"] as? String == "ignored")
            #expect(try await store.remoteReport(jobId: job.id, dispatch: lease.token)?.result == recorded)
            #expect(try await store.job(id: job.id)?.status == .running)
        }
    }

    @Test("an output whose size or hash differs from storage, or that is missing, is answered 422 and fails the dispatch with output-mismatch")
    func mismatch() async throws {
        let harness = try APIHarness()
        let store = harness.services.store
        try await harness.api.application().test(.live) { client in
            for fault in ["hash", "size", "missing", "key"] {
                let (job, lease) = try await Self.dispatchedJob(harness)
                var output = try await Self.storeOutput(harness, job: job, lease: lease, bytes: Data("the bytes in storage".utf8))
                switch fault {
                case "hash": output.sha256 = String(repeating: "ab", count: 32)
                case "size": output.bytes += 1
                case "missing": try await harness.services.storage.delete(try StorageKey(output.key))
                default: output.key = "jobs/\(job.id)/elsewhere.mp4"
                }
                let callback = RenderCallback(jobId: job.id, dispatchId: lease.token, status: .succeeded, outputs: [output], error: nil)
                let (status, problem) = try await Self.post(client, callback)
                #expect(status == .unprocessableContent && problem["code"] as? String == "output-mismatch", "\(fault): \(problem)")
                let recorded = try #require(try await store.remoteReport(jobId: job.id, dispatch: lease.token)?.result, "\(fault)")
                let report = try JSONDecoder().decode(RenderCallback.self, from: Data(recorded.utf8))
                #expect(report.status == .failed && report.error?.code == "output-mismatch", "\(fault)")
            }
        }
    }

    @Test("a callback after a cancel is ignored; malformed callbacks are 400/422 problem documents")
    func afterCancelAndMalformed() async throws {
        let harness = try APIHarness()
        let store = harness.services.store
        let (job, lease) = try await Self.dispatchedJob(harness)
        let output = try await Self.storeOutput(harness, job: job, lease: lease, bytes: Data("video".utf8))
        try await harness.api.application().test(.live) { client in
            _ = try await store.cancel(id: job.id)
            let callback = RenderCallback(jobId: job.id, dispatchId: lease.token, status: .succeeded, outputs: [output], error: nil)
            let (status, body) = try await Self.post(client, callback)
            #expect(status == .ok && body["status"] as? String == "ignored")
            #expect(try await store.remoteReport(jobId: job.id, dispatch: lease.token) == nil)

            let headers: HTTPFields = [.authorization: "Bearer \(Self.secret)"]
            let (notJSON, problem) = try await client.json("/v1/webhooks/render", .post, headers: headers, body: "{not json")
            #expect(notJSON == .badRequest && problem["code"] as? String == "bad-json")
            var bad = callback
            bad.outputs[0].sha256 = "not-a-hash"
            let (badHash, hashProblem) = try await Self.post(client, bad)
            #expect(badHash == .unprocessableContent && hashProblem["pointer"] as? String == "/outputs/0/sha256", "\(hashProblem)")
            let (badProgress, progressProblem) = try await Self.post(
                client,
                RenderCallback(jobId: job.id, dispatchId: lease.token, status: .running, progress: 1.5, outputs: [], error: nil)
            )
            #expect(badProgress == .unprocessableContent && progressProblem["pointer"] as? String == "/progress")
            let huge = String(repeating: "x", count: 300 * 1024)
            let (tooLarge, _) = try await client.json("/v1/webhooks/render", .post, headers: headers, body: "{\"pad\":\"\(huge)\"}")
            #expect(tooLarge == .contentTooLarge)
        }
    }

    @Test("signed storage URLs: a PUT then a GET round-trips the bytes; a GET signature cannot PUT; altered or expired URLs are 403")
    func signedStorage() async throws {
        let harness = try APIHarness()
        let signer = URLSigner(key: harness.services.configuration.signingKey)
        @Sendable func url(_ method: String, _ key: String, expires: Int = Int(Date().timeIntervalSince1970) + 600) -> String {
            let signature = signer.signature(method: method, key: key, expires: expires)
            let encoded = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key
            return "/v1/storage/object?key=\(encoded)&expires=\(expires)&signature=\(signature)"
        }
        let key = "jobs/job_x/video file+1.mp4"
        let bytes = Data((0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try await harness.api.application().test(.live) { client in
            let put = try await client.execute(
                uri: url("PUT", key),
                method: .put,
                headers: [.contentType: "video/mp4"],
                body: ByteBuffer(bytes: bytes)
            )
            #expect(put.status == .created)
            let get = try await client.execute(uri: url("GET", key), method: .get)
            #expect(get.status == .ok && Data(get.body.readableBytesView) == bytes)
            // The GET signature does not write; an expired or altered one does nothing either.
            let reused = try await client.execute(uri: url("GET", key), method: .put, body: ByteBuffer(string: "overwritten"))
            #expect(reused.status == .forbidden)
            let expired = try await client.execute(uri: url("GET", key, expires: Int(Date().timeIntervalSince1970) - 1), method: .get)
            #expect(expired.status == .forbidden)
            let altered = try await client.execute(uri: url("GET", key).replacingOccurrences(of: "video", with: "audio"), method: .get)
            #expect(altered.status == .forbidden)
            let unsigned = try await client.execute(uri: "/v1/storage/object?key=jobs%2Fjob_x%2Fvideo%20file%2B1.mp4", method: .get)
            #expect(unsigned.status == .forbidden)
            let traversal = try await client.execute(uri: url("PUT", "../outside"), method: .put, body: ByteBuffer(string: "x"))
            #expect(traversal.status == .forbidden)
            #expect(Data(try await client.execute(uri: url("GET", key), method: .get).body.readableBytesView) == bytes)
        }
    }
}
