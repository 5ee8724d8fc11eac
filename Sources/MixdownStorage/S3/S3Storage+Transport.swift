internal import AsyncHTTPClient
internal import Foundation
internal import Logging
internal import NIOCore
internal import NIOFoundationCompat
internal import NIOHTTP1
internal import _NIOFileSystem

extension S3Storage {
    /// One S3 API request, described so that it can be signed and sent again on a retry.
    struct Call: Sendable {
        var operation: String
        /// The object's full name in the bucket; nil for a request on the bucket itself.
        var objectName: String?
        var method: HTTPMethod
        var query: [SigV4Request.Field] = []
        /// Headers to sign and send (`content-type`, `range`).
        var headers: [SigV4Request.Field] = []
        var body: Body = .empty
        /// Whether the body is large (a file, a download), so no deadline applies to the whole exchange;
        /// the client's read timeout still ends a stalled one.
        var streams = false
    }

    /// A request body.
    enum Body: Sendable {
        case empty
        /// Small bodies (XML, probes): sent with their SHA-256 signed.
        case bytes(Data)
        /// A byte range of a file, streamed from disk and signed as `UNSIGNED-PAYLOAD`: hashing first would
        /// read every byte twice, and TLS already protects them in transit (botocore makes the same choice
        /// for streamed uploads over HTTPS).
        case file(path: String, range: Range<Int64>)
        /// A part held in memory while a stream is uploaded, signed as `UNSIGNED-PAYLOAD` like a file's.
        case buffer(ByteBuffer)
    }

    /// The most of an error response (or any small XML answer) that is read: enough for S3's documents,
    /// and a bound on what a misbehaving server can make us hold.
    static let maximumDocumentBytes = 1 << 20

    /// Sends `call`, retrying server errors, throttling and connection failures with exponential backoff
    /// and full jitter, and hands a 2xx response to `handle`. Errors thrown while handling the body (a
    /// connection lost mid-download) are retried the same way, so `handle` must be safe to run again.
    func perform<Result: Sendable>(
        _ call: Call,
        handle: @Sendable (HTTPClientResponse) async throws -> Result
    ) async throws -> Result {
        var attempt = 0
        while true {
            do {
                return try await performOnce(call, handle: handle)
            } catch let error as S3Error where error.isRetryable && attempt < settings.retries {
                attempt += 1
                let delay = Self.backoff(attempt: attempt)
                logger.notice(
                    "retrying S3 request",
                    metadata: [
                        "operation": "\(call.operation)", "key": "\(call.objectName ?? "")", "attempt": "\(attempt)",
                        "error": "\(error)", "delay_ms": "\(delay.components.attoseconds / 1_000_000_000_000_000 + delay.components.seconds * 1000)",
                    ]
                )
                try await Task.sleep(for: delay)
            }
        }
    }

    /// Full jitter: a uniform delay between zero and 100 ms × 2^attempt, at most 5 s.
    static func backoff(attempt: Int) -> Duration {
        let ceiling = min(5_000, 100 << min(attempt, 10))
        return .milliseconds(Int.random(in: 0...ceiling))
    }

    private func performOnce<Result: Sendable>(
        _ call: Call,
        handle: @Sendable (HTTPClientResponse) async throws -> Result
    ) async throws -> Result {
        let payloadHash: String
        switch call.body {
        case .empty: payloadHash = SigV4Signer.emptyPayloadHash
        case .bytes(let data): payloadHash = SigV4Signer.payloadHash(data)
        case .file, .buffer: payloadHash = SigV4Signer.unsignedPayload
        }
        let path = settings.requestPath(objectName: call.objectName)
        let unsigned = SigV4Request(
            method: call.method.rawValue,
            host: settings.requestHost,
            path: path,
            query: call.query,
            headers: call.headers
        )
        let signature = signer.signHeaders(unsigned, payloadHash: payloadHash, date: clock())
        let query = unsigned.canonicalQuery
        var request = HTTPClientRequest(url: "\(settings.scheme)://\(settings.requestHost)\(path)\(query.isEmpty ? "" : "?" + query)")
        request.method = call.method
        // The client would derive Host from the URL; setting it keeps it byte for byte what was signed.
        request.headers.add(name: "host", value: settings.requestHost)
        for header in signature.headers { request.headers.add(name: header.name, value: header.value) }
        let deadline: NIODeadline = call.streams ? .distantFuture : .now() + .seconds(120)
        do {
            switch call.body {
            case .empty:
                if call.method == .PUT || call.method == .POST { request.body = .bytes(ByteBuffer()) }
                return try await execute(request, call: call, deadline: deadline, handle: handle)
            case .bytes(let data):
                request.body = .bytes(ByteBuffer(data: data))
                return try await execute(request, call: call, deadline: deadline, handle: handle)
            case .buffer(let buffer):
                request.body = .bytes(buffer)
                return try await execute(request, call: call, deadline: deadline, handle: handle)
            case .file(let path, let range):
                return try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { file in
                    var streamed = request
                    streamed.body = .stream(
                        file.readChunks(in: range, chunkLength: .kibibytes(256)),
                        length: .known(range.upperBound - range.lowerBound)
                    )
                    return try await execute(streamed, call: call, deadline: deadline, handle: handle)
                }
            }
        } catch let error as S3Error {
            throw error
        } catch let error as HTTPClientError where error == .cancelled || Task.isCancelled {
            throw CancellationError()
        } catch let error as HTTPClientError {
            throw S3Error(operation: call.operation, key: call.objectName, status: nil, s3Code: nil, message: "connection failed: \(error)")
        } catch let error where error is CancellationError || error is FileSystemError || error is StorageError {
            throw error
        } catch {
            // Whatever else the client throws (refused or reset connections, TLS failures, a body cut short)
            // is a transport failure: worth another try.
            throw S3Error(operation: call.operation, key: call.objectName, status: nil, s3Code: nil, message: "connection failed: \(error)")
        }
    }

    private func execute<Result: Sendable>(
        _ request: HTTPClientRequest,
        call: Call,
        deadline: NIODeadline,
        handle: @Sendable (HTTPClientResponse) async throws -> Result
    ) async throws -> Result {
        let response = try await client.execute(request, deadline: deadline, logger: nil)
        guard (200..<300).contains(response.status.code) else {
            let body = (try? await Self.collect(response.body, limit: Self.maximumDocumentBytes)) ?? Data()
            throw Self.error(for: call, status: Int(response.status.code), body: body)
        }
        return try await handle(response)
    }

    /// Up to `limit` bytes of a body; what lies beyond is dropped, not an error, so an overlong error
    /// page still yields its start.
    static func collect(_ body: HTTPClientResponse.Body, limit: Int) async throws -> Data {
        var data = Data()
        for try await buffer in body {
            data.append(contentsOf: buffer.readableBytesView.prefix(limit - data.count))
            if data.count >= limit { break }
        }
        return data
    }

    /// The S3 error a failed response describes: its `<Error>` document's code and message when it has
    /// one (HEAD responses and some proxies send none).
    static func error(for call: Call, status: Int, body: Data) -> S3Error {
        let document = S3XMLElement.parse(body)
        let code = document?.name == "Error" ? document?.text(of: "Code") : nil
        var message = document?.name == "Error" ? (document?.text(of: "Message") ?? "") : ""
        if message.isEmpty, code == nil {
            let text = String(decoding: body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            message = text.isEmpty ? HTTPResponseStatus(statusCode: status).reasonPhrase : text
        }
        if let requestId = document?.text(of: "RequestId"), !requestId.isEmpty { message += " (request id \(requestId))" }
        return S3Error(operation: call.operation, key: call.objectName, status: status, s3Code: code, message: message)
    }

    /// Reads a small XML answer and returns its root, refusing anything else.
    static func document(_ response: HTTPClientResponse, call: Call) async throws -> S3XMLElement {
        let body = try await collect(response.body, limit: maximumDocumentBytes)
        guard let root = S3XMLElement.parse(body) else {
            throw S3Error(
                operation: call.operation,
                key: call.objectName,
                status: Int(response.status.code),
                s3Code: nil,
                message: "the answer is not XML"
            )
        }
        // CompleteMultipartUpload may answer 200 and still fail, with an <Error> document in the body.
        guard root.name != "Error" else { throw error(for: call, status: Int(response.status.code), body: body) }
        return root
    }
}
