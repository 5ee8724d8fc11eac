import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MixdownExecution
import MixdownJobs
import MixdownPlanner
import MixdownServer
import MixdownStorage
import MixdownTestSupport
import NIOCore
import Testing

/// `mixdown render-node` on loopback, against a real S3-protocol server for the inputs and outputs and a
/// real HTTP server for its callbacks, which checks the secret the way the API's webhook does.
@Suite("Render node")
struct RenderNodeTests {
    static let token = "render-token-0123456789"
    static let secret = "render-webhook-secret-0123456789"

    /// The API side of a callback, on a loopback server: answers 401 to a wrong secret, records the rest.
    /// `GET /never` starts an answer it never finishes, to hold a dispatch in its download.
    struct CallbackServer {
        let callbacks: AsyncStream<RenderCallback>
        let continuation: AsyncStream<RenderCallback>.Continuation
        /// Callbacks answered 503 before one is taken, to see the node try again.
        let refusals: NotifyWebhookTests.Counter

        init(refusing: Int = 0) {
            (callbacks, continuation) = AsyncStream.makeStream()
            refusals = NotifyWebhookTests.Counter(refusing)
        }

        func application(onPort: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
            let router = Router()
            let (continuation, refusals) = (self.continuation, self.refusals)
            router.post("/v1/webhooks/render") { request, _ -> HTTPResponse.Status in
                guard request.headers[.authorization] == "Bearer \(RenderNodeTests.secret)" else { return .unauthorized }
                let body = try await request.body.collect(upTo: 1 << 20)
                guard let callback = try? JSONDecoder().decode(RenderCallback.self, from: Data(body.readableBytesView)) else { return .badRequest }
                // Progress reports come and go with timing; these tests follow how dispatches end.
                if callback.status == .running { return .accepted }
                if refusals.take() {
                    continuation.yield(RenderCallback(jobId: "refused", dispatchId: "", status: .failed, outputs: [], error: nil))
                    return .serviceUnavailable
                }
                continuation.yield(callback)
                return .accepted
            }
            // A callback URL that redirects: the node must not follow it (the secret would go along).
            router.post("/redirect") { _, _ -> Response in
                continuation.yield(RenderCallback(jobId: "redirected", dispatchId: "", status: .failed, outputs: [], error: nil))
                return Response(status: .found, headers: [.location: "/stolen"])
            }
            router.post("/stolen") { request, _ -> HTTPResponse.Status in
                continuation.yield(RenderCallback(jobId: "stolen", dispatchId: "", status: .failed, outputs: [], error: nil))
                return .accepted
            }
            router.get("/never") { _, _ -> HTTPResponse.Status in
                try await Task.sleep(for: .seconds(3600))
                return .ok
            }
            return Application(
                router: router,
                configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { await onPort($0.localAddress?.port ?? 0) }
            )
        }
    }

    static func bucket() throws -> S3Storage {
        let server = try S3TestServer.shared()
        return S3Storage(
            settings: try S3Settings(
                endpoint: server.endpoint,
                bucket: try server.makeBucket("render"),
                keyPrefix: "mixdown",
                credentials: SigV4Credentials(accessKeyId: "AKIDTEST", secretAccessKey: "test-secret")
            )
        )
    }

    static func node(concurrency: Int = 1, callbackPort: Int) throws -> RenderNode {
        var configuration = RenderNodeConfiguration(
            token: token,
            callbackSecret: secret,
            callbackOrigin: "http://127.0.0.1:\(callbackPort)",
            workDirectory: try TestMedia.temporaryDirectory("render-node").path,
            tools: MediaTools.fromEnvironment()
        )
        configuration.port = 0
        configuration.concurrency = concurrency
        configuration.callbackAttempts = 3
        return RenderNode(configuration: configuration)
    }

    static let recipe = """
        version: 1
        kind: render
        inputs: { voice: { upload: true } }
        steps:
          - trim: { duration: 2s }
          - visualize: { style: waveform, size: 320x180, fps: 10 }
        outputs: { video: { format: mp4 } }
        """

    static func document(jobId: String, input: String, output: DispatchOutput, callback: String) throws -> String {
        let document = DispatchDocument(
            jobId: jobId,
            recipe: recipe,
            inputs: ["voice": input],
            outputs: ["video": output],
            callbackUrl: callback,
            deadline: Date().addingTimeInterval(600)
        )
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }

    static func jobId() -> String {
        Identifier.make(prefix: "job_", milliseconds: UInt64(Date().timeIntervalSince1970 * 1000))
    }

    /// Runs a callback server, and `body` with the node's test client and the callback base URL.
    func withNode(
        concurrency: Int = 1,
        refusingCallbacks: Int = 0,
        _ body: @escaping @Sendable (any TestClientProtocol, CallbackServer, String) async throws -> Void
    ) async throws {
        try await withNode(concurrency: concurrency, refusingCallbacks: refusingCallbacks) { client, server, base, _ in
            try await body(client, server, base)
        }
    }

    /// The same, with the node itself.
    func withNode(
        concurrency: Int = 1,
        refusingCallbacks: Int = 0,
        _ body: @escaping @Sendable (any TestClientProtocol, CallbackServer, String, RenderNode) async throws -> Void
    ) async throws {
        let callbacks = CallbackServer(refusing: refusingCallbacks)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await callbacks.application { portContinuation.yield($0) }.runService(gracefulShutdownSignals: []) }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let node = try Self.node(concurrency: concurrency, callbackPort: port)
            try await node.application().test(.live) { client in try await body(client, callbacks, "http://127.0.0.1:\(port)", node) }
            group.cancelAll()
        }
    }

    @Test("a dispatch downloads its input, renders, uploads the output to its URL and calls back with its size and hash, again after a 503")
    func renders() async throws {
        let storage = try Self.bucket()
        let inputKey = try StorageKey("inputs/voice.wav"), outputKey = try StorageKey("jobs/render/video.mp4")
        _ = try await storage.put(file: try TestMedia.path("voice.wav"), key: inputKey, contentType: "audio/wav")
        let input = try #require(try storage.readURL(for: inputKey, expiresInSeconds: 600))
        let output = DispatchOutput(
            url: try storage.presignedUploadURL(for: outputKey, expiresInSeconds: 600, contentType: "video/mp4"),
            key: outputKey.rawValue,
            contentType: "video/mp4"
        )
        try await withNode(refusingCallbacks: 1) { client, server, base in
            let jobId = Self.jobId()
            let document = try Self.document(jobId: jobId, input: input, output: output, callback: "\(base)/v1/webhooks/render")
            let wrong = try await client.execute(
                uri: "/v1/dispatch",
                method: .post,
                headers: [.authorization: "Bearer not-the-token", .contentType: "application/json"],
                body: ByteBuffer(string: document)
            )
            #expect(wrong.status == .unauthorized)
            let accepted = try await client.execute(
                uri: "/v1/dispatch",
                method: .post,
                headers: [.authorization: "Bearer \(Self.token)", .contentType: "application/json"],
                body: ByteBuffer(string: document)
            )
            #expect(accepted.status == .accepted)
            var callbacks = server.callbacks.makeAsyncIterator()
            #expect(await callbacks.next()?.jobId == "refused")
            let callback = try #require(await callbacks.next())
            #expect(callback.jobId == jobId && callback.status == .succeeded, "\(String(describing: callback.error))")
            let reported = try #require(callback.outputs.first)
            #expect(reported.name == "video" && reported.key == outputKey.rawValue)
            #expect(abs((reported.durationSeconds ?? 0) - 2) < 0.15)
            // What the bucket holds is what the node reported.
            let local = try await storage.localPath(for: outputKey, downloadingInto: try TestMedia.temporaryDirectory("render-out").path)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: local))
            #expect(bytes.count == reported.bytes)
            #expect(SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() == reported.sha256)
            let facts = try await TestMedia.facts(local)
            #expect(facts.hasVideo && facts.width == 320 && facts.height == 180)
        }
    }

    @Test("past its concurrency a node answers 429; a stopped dispatch calls back failed (cancelled) and is gone; bad documents are 400/422")
    func busyAndStopped() async throws {
        try await withNode(concurrency: 1) { client, server, base, node in
            let headers: HTTPFields = [.authorization: "Bearer \(Self.token)", .contentType: "application/json"]
            let held = Self.jobId()
            let output = DispatchOutput(url: "\(base)/unused", key: "jobs/x/video.mp4", contentType: "video/mp4")
            let first = try Self.document(jobId: held, input: "\(base)/never", output: output, callback: "\(base)/v1/webhooks/render")
            #expect(
                try await client.execute(uri: "/v1/dispatch", method: .post, headers: headers, body: ByteBuffer(string: first)).status == .accepted
            )
            // The same dispatch again (its first answer lost) is taken once; another dispatch of the job is 409.
            #expect(
                try await client.execute(uri: "/v1/dispatch", method: .post, headers: headers, body: ByteBuffer(string: first)).status == .accepted
            )
            #expect(await node.running == 1)
            let other = try Self.document(jobId: held, input: "\(base)/never", output: output, callback: "\(base)/v1/webhooks/render")
            #expect(
                try await client.execute(uri: "/v1/dispatch", method: .post, headers: headers, body: ByteBuffer(string: other)).status == .conflict
            )
            // A stop scoped to another dispatch of the job stops nothing.
            #expect(try await client.execute(uri: "/v1/dispatch/\(held)?dispatchId=another", method: .delete, headers: headers).status == .notFound)
            let second = try Self.document(jobId: Self.jobId(), input: "\(base)/never", output: output, callback: "\(base)/v1/webhooks/render")
            let busy = try await client.execute(uri: "/v1/dispatch", method: .post, headers: headers, body: ByteBuffer(string: second))
            #expect(busy.status == .tooManyRequests && busy.headers[.retryAfter] != nil)

            #expect(try await client.execute(uri: "/v1/dispatch/\(held)", method: .delete, headers: headers).status == .noContent)
            var callbacks = server.callbacks.makeAsyncIterator()
            let callback = try #require(await callbacks.next())
            #expect(callback.jobId == held && callback.status == .failed && callback.error?.code == "cancelled")
            #expect(try await client.execute(uri: "/v1/dispatch/\(held)", method: .delete, headers: headers).status == .notFound)

            let garbage = try await client.execute(uri: "/v1/dispatch", method: .post, headers: headers, body: ByteBuffer(string: "{\"protocol\": 1"))
            #expect(garbage.status == .badRequest)
            let future = first.replacingOccurrences(of: "\"protocol\":1", with: "\"protocol\":2")
            let refused = try await client.execute(uri: "/v1/dispatch", method: .post, headers: headers, body: ByteBuffer(string: future))
            #expect(refused.status == .unprocessableContent)
            // Refused before anything runs, each naming the member: a callback elsewhere than the configured
            // API (it would carry the secret), outputs that are not the recipe's, a deadline already past.
            func problem(_ document: String) async throws -> (Int, String?) {
                let response = try await client.execute(uri: "/v1/dispatch", method: .post, headers: headers, body: ByteBuffer(string: document))
                let body = try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                return (Int(response.status.code), body?["pointer"] as? String)
            }
            let elsewhere = try Self.document(jobId: Self.jobId(), input: "\(base)/never", output: output, callback: "http://127.0.0.2:9/steal")
            #expect(try await problem(elsewhere) == (422, "/callbackUrl"))
            let extra = try JSONEncoder.iso.encode(
                DispatchDocument(
                    jobId: Self.jobId(),
                    recipe: Self.recipe,
                    inputs: ["voice": "\(base)/never"],
                    outputs: ["video": output, "other": output],
                    callbackUrl: "\(base)/v1/webhooks/render",
                    deadline: Date().addingTimeInterval(60)
                )
            )
            #expect(try await problem(String(decoding: extra, as: UTF8.self)) == (422, "/outputs"))
            let late = try JSONEncoder.iso.encode(
                DispatchDocument(
                    jobId: Self.jobId(),
                    recipe: Self.recipe,
                    inputs: ["voice": "\(base)/never"],
                    outputs: ["video": output],
                    callbackUrl: "\(base)/v1/webhooks/render",
                    deadline: Date().addingTimeInterval(-1)
                )
            )
            #expect(try await problem(String(decoding: late, as: UTF8.self)) == (422, "/deadline"))
        }
    }

    @Test("a recipe that reads a file by path (captions) is refused before it runs; a redirecting callback URL is not followed")
    func refusesLocalFilesAndRedirects() async throws {
        try await withNode(concurrency: 2) { client, server, base in
            let headers: HTTPFields = [.authorization: "Bearer \(Self.token)", .contentType: "application/json"]
            let output = DispatchOutput(url: "\(base)/unused", key: "jobs/x/video.mp4", contentType: "video/mp4")
            var events = server.callbacks.makeAsyncIterator()

            let captions = try Self.document(jobId: Self.jobId(), input: "\(base)/never", output: output, callback: "\(base)/v1/webhooks/render")
                .replacingOccurrences(of: "fps: 10 }", with: "fps: 10 }\\n  - captions: /etc/passwd")
            #expect(captions.contains("captions"))
            let refused = try await client.execute(uri: "/v1/dispatch", method: .post, headers: headers, body: ByteBuffer(string: captions))
            #expect(refused.status == .unprocessableContent)

            // An input that is not there fails the dispatch at once; its callback goes to a URL that
            // redirects, and the node stops at the 302.
            let redirected = try Self.document(jobId: Self.jobId(), input: "\(base)/missing.wav", output: output, callback: "\(base)/redirect")
            #expect(
                try await client.execute(uri: "/v1/dispatch", method: .post, headers: headers, body: ByteBuffer(string: redirected)).status
                    == .accepted
            )
            #expect(await events.next()?.jobId == "redirected")
            // A followed redirect would have reached /stolen within that same request; the next event is
            // instead the callback of a dispatch sent after it.
            let after = Self.jobId()
            let next = try Self.document(
                jobId: after,
                input: "\(base)/missing.wav?X-Amz-Signature=presigned-secret",
                output: output,
                callback: "\(base)/v1/webhooks/render"
            )
            #expect(
                try await client.execute(uri: "/v1/dispatch", method: .post, headers: headers, body: ByteBuffer(string: next)).status == .accepted
            )
            let failed = await events.next()
            #expect(failed?.jobId == after && failed?.error?.code == "download-failed", "\(String(describing: failed))")
            // The message names the URL without its query: a presigned URL's query is a credential.
            #expect(failed?.error?.message.contains("missing.wav") == true && failed?.error?.message.contains("presigned-secret") == false)
        }
    }
}

@Suite("Render node slots")
struct RenderNodeSlotTests {
    @Test("a callback being retried holds no render slot, but its job id: the next dispatch runs, a repeat is 409")
    func deliveryFreesTheSlot() async throws {
        try await RenderNodeTests().withNode(concurrency: 1, refusingCallbacks: 2) { client, server, base in
            let headers: HTTPFields = [.authorization: "Bearer \(RenderNodeTests.token)", .contentType: "application/json"]
            let output = DispatchOutput(url: "\(base)/unused", key: "jobs/x/video.mp4", contentType: "video/mp4")
            var events = server.callbacks.makeAsyncIterator()
            let first = RenderNodeTests.jobId()
            let failing = try RenderNodeTests.document(
                jobId: first,
                input: "\(base)/missing.wav",
                output: output,
                callback: "\(base)/v1/webhooks/render"
            )
            #expect(
                try await client.execute(uri: "/v1/dispatch", method: .post, headers: headers, body: ByteBuffer(string: failing)).status == .accepted
            )
            // Its render is over and its callback was refused once: it is waiting to try again.
            #expect(await events.next()?.jobId == "refused")
            let repeated = try RenderNodeTests.document(
                jobId: first,
                input: "\(base)/missing.wav",
                output: output,
                callback: "\(base)/v1/webhooks/render"
            )
            #expect(
                try await client.execute(uri: "/v1/dispatch", method: .post, headers: headers, body: ByteBuffer(string: repeated)).status == .conflict
            )
            let second = try RenderNodeTests.document(
                jobId: RenderNodeTests.jobId(),
                input: "\(base)/never",
                output: output,
                callback: "\(base)/v1/webhooks/render"
            )
            #expect(
                try await client.execute(uri: "/v1/dispatch", method: .post, headers: headers, body: ByteBuffer(string: second)).status == .accepted
            )
            #expect(await events.next()?.jobId == "refused")
            #expect(await events.next()?.jobId == first)
        }
    }
}

@Suite("Render node shutdown")
struct RenderNodeShutdownTests {
    @Test("draining stops every running dispatch, each calls back cancelled before the drain returns, and nothing new starts")
    func drain() async throws {
        try await RenderNodeTests().withNode(concurrency: 2) { client, server, base, node in
            let headers: HTTPFields = [.authorization: "Bearer \(RenderNodeTests.token)", .contentType: "application/json"]
            let output = DispatchOutput(url: "\(base)/unused", key: "jobs/x/video.mp4", contentType: "video/mp4")
            var ids: Set<String> = []
            for _ in 0..<2 {
                let id = RenderNodeTests.jobId()
                ids.insert(id)
                let document = try RenderNodeTests.document(jobId: id, input: "\(base)/never", output: output, callback: "\(base)/v1/webhooks/render")
                #expect(
                    try await client.execute(uri: "/v1/dispatch", method: .post, headers: headers, body: ByteBuffer(string: document)).status
                        == .accepted
                )
            }
            await node.drain(grace: .seconds(60))
            // Both callbacks were delivered before drain returned: the stream, ended now, already holds them.
            server.continuation.finish()
            var events = server.callbacks.makeAsyncIterator()
            var cancelled: Set<String> = []
            for _ in 0..<2 {
                let callback = try #require(await events.next())
                if callback.error?.code == "cancelled" { cancelled.insert(callback.jobId) }
            }
            #expect(cancelled == ids)
            #expect(await node.running == 0)
            let late = try RenderNodeTests.document(
                jobId: RenderNodeTests.jobId(),
                input: "\(base)/never",
                output: output,
                callback: "\(base)/v1/webhooks/render"
            )
            #expect(
                try await client.execute(uri: "/v1/dispatch", method: .post, headers: headers, body: ByteBuffer(string: late)).status
                    == .tooManyRequests
            )
        }
    }
}

extension JSONEncoder {
    /// Dates as ISO 8601, as the protocol writes them.
    static var iso: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}
