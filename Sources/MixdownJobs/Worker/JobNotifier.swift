internal import Crypto
internal import Foundation
internal import Logging
import MixdownExecution

#if canImport(FoundationNetworking)
    internal import FoundationNetworking
#endif

/// Tells a job's `notifyUrl` that the job ended: a JSON body signed with
/// `X-Mixdown-Signature: t=UNIX,v1=HEX` (HMAC-SHA256 of `UNIX.BODY` with `MIXDOWN_SIGNING_KEY`), retried with
/// backoff in the background so the worker never waits on a slow receiver.
struct JobNotifier: Sendable {
    let key: [UInt8]
    let allowPrivateAddresses: Bool
    let logger: Logger
    var attempts = 5

    struct Body: Encodable {
        var id: String
        var type: JobType
        var status: JobStatus
        var error: JobError?
        var result: JobResult?
        var finishedAt: String?
    }

    /// A session that follows no redirect: the checked URL is the only one contacted.
    static let session = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)

    static func signature(key: [UInt8], timestamp: Int, body: Data) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).".utf8) + body, using: SymmetricKey(data: key))
        return "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Starts delivery and returns at once.
    func notify(_ job: Job) {
        guard let address = job.parameters.notifyUrl, let url = URL(string: address) else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let view = JobView(job)
        guard
            let body = try? encoder.encode(
                Body(id: job.id, type: job.type, status: job.status, error: job.error, result: job.result, finishedAt: view.finishedAt)
            )
        else {
            return
        }
        let notifier = self
        Task.detached {
            await notifier.deliver(body, to: url, jobId: job.id)
        }
    }

    func deliver(_ body: Data, to url: URL, jobId: String) async {
        do {
            try InputLimits(allowPrivateAddresses: allowPrivateAddresses).checkNetworkTarget(url)
        } catch {
            logger.warning("notifyUrl refused", metadata: ["job": "\(jobId)", "reason": "\(error)"])
            return
        }
        var delay = 1.0
        for attempt in 1...attempts {
            var request = URLRequest(url: url)
            request.httpMethod = "POST"
            request.httpBody = body
            request.timeoutInterval = 10
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue(
                Self.signature(key: key, timestamp: Int(Date().timeIntervalSince1970), body: body),
                forHTTPHeaderField: "X-Mixdown-Signature"
            )
            if let (_, response) = try? await URLSession.shared.data(for: request), let status = (response as? HTTPURLResponse)?.statusCode,
                (200..<300).contains(status)
            {
                return
            }
            logger.info("notifyUrl delivery failed", metadata: ["job": "\(jobId)", "attempt": "\(attempt)"])
            try? await Task.sleep(for: .seconds(delay))
            delay *= 2
        }
    }
}

/// Answers every redirect with "don't follow".
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
