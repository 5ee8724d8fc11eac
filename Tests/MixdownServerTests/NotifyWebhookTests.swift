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
}
