internal import Crypto
internal import Foundation
internal import Logging
import MixdownExecution

#if canImport(FoundationNetworking)
    internal import FoundationNetworking
#endif

/// Delivers jobs' ends to their `notifyUrl`: a JSON body signed with `X-Mixdown-Signature: t=UNIX,v1=HEX`
/// (HMAC-SHA256 of `UNIX.BODY` with `MIXDOWN_SIGNING_KEY`).
///
/// The duty to deliver is recorded in the store with the job's end, and each attempt with its outcome,
/// so a delivery survives restarts and is made at least once by whichever worker claims it. Only the
/// checked address is contacted: the host is checked against private addresses before each attempt and
/// redirects are never followed (a 3xx is a failed attempt).
struct JobNotifier: Sendable {
    let services: MixdownServices
    let logger: Logger
    /// How long one attempt may take before another worker may try.
    static let claimSeconds = 60.0

    struct Body: Encodable {
        var id: String
        var type: JobType
        var status: JobStatus
        var error: JobError?
        var result: JobResult?
        var finishedAt: String?
    }

    static func signature(key: [UInt8], timestamp: Int, body: Data) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).".utf8) + body, using: SymmetricKey(data: key))
        return "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// At most this many deliveries at once per worker, so one slow receiver does not hold up the rest.
    static let concurrency = 4

    /// Delivers every due notification, several at a time, and returns when none is due.
    func deliverDue() async throws {
        // A read first, as the job loop does before claiming: this runs on every commit to the store
        // (each heartbeat), and a claim takes the write lock even when nothing is due.
        guard try await services.store.hasDueNotification() else { return }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var running = 0
            while !Task.isCancelled {
                if running == Self.concurrency {
                    try await group.next()
                    running -= 1
                }
                guard let job = try await services.store.claimNotification(leaseSeconds: Self.claimSeconds) else { break }
                running += 1
                group.addTask { try await deliverAndRecord(job) }
            }
            try await group.waitForAll()
        }
    }

    private func deliverAndRecord(_ job: Job) async throws {
        let failure = await deliver(job)
        let attempts = (job.notification?.attempts ?? 0) + 1
        let configuration = services.configuration
        try await services.store.recordNotification(
            jobId: job.id,
            delivered: failure == nil,
            error: failure,
            maxAttempts: configuration.notifyAttempts,
            retryAfterSeconds: min(600, configuration.retryBackoffSeconds * Double(1 << min(attempts, 12)))
        )
        if let failure {
            logger.info("notifyUrl delivery failed", metadata: ["job": "\(job.id)", "attempt": "\(attempts)", "reason": "\(failure)"])
        }
    }

    /// One attempt; nil when the receiver answered 2xx, otherwise why not.
    func deliver(_ job: Job) async -> String? {
        guard let address = job.parameters.notifyUrl, let url = URL(string: address) else { return "notifyUrl is not a URL" }
        do {
            try services.inputLimits.checkNetworkTarget(url)
        } catch {
            return "refused: \(error)"
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let view = JobView(job)
        guard
            let body = try? encoder.encode(
                Body(id: job.id, type: job.type, status: job.status, error: job.error, result: job.result, finishedAt: view.finishedAt)
            )
        else { return "cannot encode the body" }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = body
        request.timeoutInterval = 10
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(
            Self.signature(key: services.configuration.signingKey, timestamp: Int(Date().timeIntervalSince1970), body: body),
            forHTTPHeaderField: "X-Mixdown-Signature"
        )
        let status = await Self.post(request)
        switch status {
        case .success(let code) where (200..<300).contains(code): return nil
        case .success(let code) where (300..<400).contains(code): return "the receiver answered HTTP \(code); redirects are not followed"
        case .success(let code): return "the receiver answered HTTP \(code)"
        case .failure(let message): return message
        }
    }

    enum Outcome {
        case success(Int)
        case failure(String)
    }

    /// POSTs through a session of its own whose delegate refuses every redirect.
    static func post(_ request: URLRequest) async -> Outcome {
        let delegate = NoRedirects()
        let session = URLSession(configuration: .ephemeral, delegate: delegate, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            session.dataTask(with: request) { _, response, error in
                if let status = (response as? HTTPURLResponse)?.statusCode {
                    continuation.resume(returning: .success(status))
                } else {
                    continuation.resume(returning: .failure(error.map { "cannot reach the receiver: \($0.localizedDescription)" } ?? "no response"))
                }
            }.resume()
        }
    }
}

/// Answers every redirect with "don't follow": the redirect response itself becomes the answer.
private final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(
        _ session: URLSession,
        task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest,
        completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
