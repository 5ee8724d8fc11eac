import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MixdownJobs
import MixdownTestSupport
import NIOCore
import Testing

@Suite("Job webhooks")
struct NotifyWebhookTests {
    /// Receives webhook POSTs on a real loopback server and hands them to the test as they arrive.
    struct Receiver {
        let deliveries: AsyncStream<(HTTPFields, Data)>
        let continuation: AsyncStream<(HTTPFields, Data)>.Continuation

        init() {
            (deliveries, continuation) = AsyncStream.makeStream()
        }

        func application(failFirst: Int, onPort: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
            let router = Router()
            let failures = Counter(failFirst)
            let continuation = self.continuation
            router.post("/hook") { request, _ -> HTTPResponse.Status in
                let body = try await request.body.collect(upTo: 1 << 20)
                if failures.take() { return .serviceUnavailable }
                continuation.yield((request.headers, Data(body.readableBytesView)))
                return .noContent
            }
            // A redirector: a public one could point anywhere; a delivery must not follow it.
            router.post("/redirect") { request, _ -> Response in
                Response(status: .found, headers: [.location: "/hook"])
            }
            return Application(
                router: router,
                configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { await onPort($0.localAddress?.port ?? 0) }
            )
        }
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var remaining: Int
        init(_ value: Int) { remaining = value }
        func take() -> Bool {
            lock.withLock {
                remaining > 0
                    ? {
                        remaining -= 1; return true
                    }() : false
            }
        }
    }

    @Test("a finished job POSTs a signed, timestamped body to its notifyUrl, retried after a failure")
    func signedDelivery() async throws {
        let harness = try APIHarness()
        let receiver = Receiver()
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await receiver.application(failFirst: 1) { portContinuation.yield($0) }.runService(gracefulShutdownSignals: [])
            }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await harness.run { client async throws in
                let asset = try await client.upload(try TestMedia.path("intro.wav"), name: "intro.wav").json()
                let recipe = "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - gain: -6dB\noutputs: { o: { format: flac } }\n"
                let body =
                    "{\"recipe\": \(jsonString(recipe)), \"inputs\": {\"v\": \"\(asset["id"] as! String)\"}, \"notifyUrl\": \"http://127.0.0.1:\(port)/hook\"}"
                let (_, job) = try await client.json("/v1/edit/save", .post, body: body)
                var deliveries = receiver.deliveries.makeAsyncIterator()
                let (headers, payload) = try #require(await deliveries.next())
                let document = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
                #expect(document["id"] as? String == job["id"] as? String && document["status"] as? String == "succeeded")
                let signature = try #require(headers[HTTPField.Name("X-Mixdown-Signature")!])
                let parts = Dictionary(
                    uniqueKeysWithValues: signature.split(separator: ",").map { part in
                        let pieces = part.split(separator: "=", maxSplits: 1)
                        return (String(pieces[0]), String(pieces[1]))
                    }
                )
                let timestamp = try #require(parts["t"])
                let expected = HMAC<SHA256>.authenticationCode(
                    for: Data("\(timestamp).".utf8) + payload,
                    using: SymmetricKey(data: harness.services.configuration.signingKey)
                ).map { String(format: "%02x", $0) }.joined()
                #expect(parts["v1"] == expected)
                #expect(abs((Double(timestamp) ?? 0) - Date().timeIntervalSince1970) < 60)
            }
            group.cancelAll()
        }
    }

    /// Runs a receiver and hands its port to `body`.
    func withReceiver(failFirst: Int = 0, _ body: @escaping @Sendable (Receiver, Int) async throws -> Void) async throws {
        let receiver = Receiver()
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await receiver.application(failFirst: failFirst) { portContinuation.yield($0) }.runService(gracefulShutdownSignals: [])
            }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await body(receiver, port)
            group.cancelAll()
        }
    }

    /// Waits until the job's notification satisfies `condition`, re-reading when the store changes.
    static func waitForNotification(_ store: any JobStore, _ id: String, _ condition: (NotificationState) -> Bool) async throws -> NotificationState {
        var counter = -1
        for _ in 0..<1200 {
            if let state = try await store.job(id: id)?.notification, condition(state) { return state }
            counter = await store.waitForChange(since: counter, upTo: 0.5)
        }
        throw TestSupportError("job \(id): the notification never reached the expected state")
    }

    @Test("a notifyUrl that redirects is not followed: the redirect target gets nothing and the attempts show on the job")
    func redirectsAreNotFollowed() async throws {
        let harness = try APIHarness(configure: { $0.notifyAttempts = 2 })
        try await withReceiver { receiver, port in
            try await harness.run { client async throws in
                let asset = try await client.upload(try TestMedia.path("intro.wav"), name: "intro.wav").json()
                let recipe = "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - gain: -6dB\noutputs: { o: { format: flac } }\n"
                let body =
                    "{\"recipe\": \(jsonString(recipe)), \"inputs\": {\"v\": \"\(asset["id"] as? String ?? "")\"}, \"notifyUrl\": \"http://127.0.0.1:\(port)/redirect\"}"
                let (status, job) = try await client.json("/v1/edit/save", .post, body: body)
                #expect(status == .accepted)
                let id = try #require(job["id"] as? String)
                let state = try await Self.waitForNotification(harness.services.store, id) { $0.status == .failed }
                #expect(state.attempts == 2)
                #expect(state.lastError?.contains("302") == true)
                // The API shows the same record.
                let (_, shown) = try await client.json("/v1/jobs/\(id)")
                let notification = try #require(shown["notification"] as? [String: Any])
                #expect(notification["status"] as? String == "failed" && notification["attempts"] as? Int == 2)
            }
            receiver.continuation.finish()
            var deliveries = receiver.deliveries.makeAsyncIterator()
            #expect(await deliveries.next() == nil, "the redirect target was contacted")
        }
    }

    @Test("a delivery survives its worker's SIGKILL: recorded with the job's end, made by the next worker")
    func deliverySurvivesWorkerDeath() async throws {
        let harness = try APIHarness()
        try await withReceiver(failFirst: 1) { receiver, port in
            let job = try await JobSubmitter(services: harness.services).submit(
                recipe: "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - gain: -6dB\noutputs: { o: { format: flac } }\n",
                recipeName: "hook.yaml",
                files: ["v": try TestMedia.path("intro.wav")],
                notifyUrl: "http://127.0.0.1:\(port)/hook"
            )
            let environment = [
                "MIXDOWN_STORE": "sqlite:\(harness.storePath)",
                "MIXDOWN_STORAGE": harness.directory.appendingPathComponent("storage").path,
                "MIXDOWN_ALLOW_PRIVATE_URLS": "1",
                "MIXDOWN_RETRY_BACKOFF_SECONDS": "2",
                "MIXDOWN_POLL_SECONDS": "0.5",
            ]
            let doomed = try await BackgroundProcess(Shell.mixdown, ["worker"], environment: environment)
            defer { doomed.signal(SIGKILL) }
            // The first attempt got a 503; the next is due seconds later, but its worker dies first.
            let first = try await Self.waitForNotification(harness.services.store, job.id) { $0.attempts == 1 }
            doomed.signal(SIGKILL)
            _ = try await doomed.wait()
            #expect(first.status == .pending && first.lastError?.contains("503") == true)
            // A new worker (this process) finds the pending delivery in the store and makes it.
            let worker = Task { try await Worker(services: harness.services).run() }
            defer { worker.cancel() }
            var deliveries = receiver.deliveries.makeAsyncIterator()
            let (_, payload) = try #require(await deliveries.next())
            let document = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
            #expect(document["id"] as? String == job.id && document["status"] as? String == "succeeded")
            let state = try await Self.waitForNotification(harness.services.store, job.id) { $0.status == .delivered }
            #expect(state.attempts == 2)
        }
    }
}
