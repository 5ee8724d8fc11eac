internal import Foundation
internal import MixdownRecipe

#if canImport(FoundationNetworking)
    internal import FoundationNetworking
#endif

/// Streams an http(s) URL to a file, stopping as soon as the byte cap is passed so an oversized
/// download never lands on disk whole.
struct HTTPDownloader {
    var maximumBytes: Int
    var guard_: NetworkGuard

    func download(_ url: URL, to destination: String) async throws {
        try guard_.check(url)
        let delegate = DownloadDelegate(destination: destination, maximumBytes: maximumBytes, guard_: guard_)
        let session = URLSession(configuration: .ephemeral, delegate: delegate, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                delegate.start(session: session, url: url, continuation: continuation)
            }
        } onCancel: {
            delegate.cancel()
        }
    }
}

/// Receives the body chunk by chunk; every field is guarded by `lock` because URLSession calls back on its own queue.
private final class DownloadDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let destination: String
    private let maximumBytes: Int
    private let guard_: NetworkGuard
    private let lock = NSLock()
    private var handle: FileHandle?
    private var received = 0
    private var failure: MixdownError?
    private var continuation: CheckedContinuation<Void, any Error>?
    private var task: URLSessionDataTask?
    /// Set by `cancel`, which can come first: a task cancelled before its download starts runs the
    /// cancellation handler at once, when there is no data task yet to stop.
    private var cancelled = false

    init(destination: String, maximumBytes: Int, guard_: NetworkGuard) {
        self.destination = destination
        self.maximumBytes = maximumBytes
        self.guard_ = guard_
    }

    /// Every redirect target is checked like the first URL.
    func urlSession(
        _ session: URLSession,
        task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest,
        completionHandler: @escaping (URLRequest?) -> Void
    ) {
        guard let url = request.url else { return completionHandler(nil) }
        do {
            try guard_.check(url)
            completionHandler(request)
        } catch let error as MixdownError {
            lock.withLock { failure = error }
            completionHandler(nil)
            task.cancel()
        } catch {
            completionHandler(nil)
        }
    }

    func start(session: URLSession, url: URL, continuation: CheckedContinuation<Void, any Error>) {
        lock.lock()
        guard !cancelled else {
            lock.unlock()
            continuation.resume(throwing: MixdownError(code: .cancelled, message: "download cancelled"))
            return
        }
        self.continuation = continuation
        _ = FileManager.default.createFile(atPath: destination, contents: nil)
        handle = FileHandle(forWritingAtPath: destination)
        let task = session.dataTask(with: url)
        self.task = task
        lock.unlock()
        task.resume()
    }

    func cancel() {
        lock.lock()
        cancelled = true
        failure = failure ?? MixdownError(code: .cancelled, message: "download cancelled")
        let task = self.task
        lock.unlock()
        task?.cancel()
    }

    func urlSession(
        _ session: URLSession,
        dataTask: URLSessionDataTask,
        didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        lock.lock()
        defer { lock.unlock() }
        if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
            failure = MixdownError(code: .downloadFailed, message: "\(Self.shown(response.url)) answered HTTP \(http.statusCode)")
            completionHandler(.cancel)
            return
        }
        if response.expectedContentLength > Int64(maximumBytes) {
            failure = tooLarge()
            completionHandler(.cancel)
            return
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.lock()
        defer { lock.unlock() }
        guard failure == nil else { return }
        received += data.count
        if received > maximumBytes {
            failure = tooLarge()
            dataTask.cancel()
            return
        }
        do {
            try handle?.write(contentsOf: data)
        } catch {
            failure = MixdownError(code: .downloadFailed, message: "cannot write the download: \(error.localizedDescription)")
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        lock.lock()
        try? handle?.close()
        handle = nil
        let continuation = self.continuation
        self.continuation = nil
        let failure = self.failure ?? error.map { MixdownError(code: .downloadFailed, message: "download failed: \($0.localizedDescription)") }
        lock.unlock()
        if let failure {
            try? FileManager.default.removeItem(atPath: destination)
            continuation?.resume(throwing: failure)
        } else {
            continuation?.resume()
        }
    }

    private func tooLarge() -> MixdownError {
        MixdownError(code: .inputTooLarge, message: "the download is larger than the \(maximumBytes)-byte limit")
    }

    /// A URL as a message may show it: scheme, host and path. A presigned URL's query is a credential, and
    /// the message becomes a job's error, which its submitter reads.
    static func shown(_ url: URL?) -> String {
        guard let url, var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "the URL" }
        components.query = nil
        components.fragment = nil
        components.user = nil
        components.password = nil
        return components.string ?? "the URL"
    }
}
