internal import AsyncHTTPClient
internal import Foundation
internal import NIOCore
internal import NIOFoundationCompat
internal import NIOHTTP1

/// A client of libSQL's Hrana-over-HTTP protocol (`POST /v2/pipeline`), as sqld and Turso serve it.
///
/// Each call opens a stream, runs its requests in order and closes it, unless it continues a stream
/// through ``HranaStream`` (an interactive transaction, tied together by the server's baton).
/// Responses are input: their size is bounded and odd JSON throws.
struct HranaClient: Sendable {
    /// `https://host` or `http://host:port`, without a trailing slash.
    let baseURL: String
    let authToken: String?
    let httpClient: HTTPClient
    /// How long one HTTP request may take, a write waiting for another's lock included.
    private(set) var requestTimeout: TimeAmount
    /// Past this a response is refused (sqld's own default cap is 10 MB).
    let maximumResponseBytes: Int
    /// Writes to this database from this process go one at a time (see ``HranaWriteGate``).
    let writeGate: HranaWriteGate

    init(
        baseURL: String,
        authToken: String?,
        httpClient: HTTPClient = .shared,
        requestTimeoutSeconds: Double = 30,
        maximumResponseBytes: Int = 32 << 20
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.authToken = authToken.flatMap { $0.isEmpty ? nil : $0 }
        self.httpClient = httpClient
        // Bounded, so the conversion to nanoseconds cannot overflow.
        requestTimeout = .milliseconds(Int64(min(max(requestTimeoutSeconds, 0.001), 3600) * 1000))
        self.maximumResponseBytes = maximumResponseBytes
        writeGate = HranaWriteGate.shared(for: self.baseURL)
    }

    /// The same client with another request timeout.
    func withTimeout(seconds: Double) -> HranaClient {
        var client = self
        client.requestTimeout = .milliseconds(Int64(min(max(seconds, 0.001), 3600) * 1000))
        return client
    }

    /// Runs each statement on its own (autocommit), in order, on one short-lived stream. Each result is
    /// the statement's rows or its error; a failed statement does not stop the ones after it.
    ///
    /// - Parameter idempotent: the statements only read, so a connection failure or a 5xx may be retried.
    func execute(_ statements: [HranaStatement], idempotent: Bool = false) async throws -> [Result<HranaResult, HranaError>] {
        let response = try await send(
            PipelineRequest(baton: nil, requests: statements.map(StreamRequest.execute) + [.close]),
            to: baseURL,
            retrying: idempotent
        )
        return try statements.indices.map { index -> Result<HranaResult, HranaError> in
            guard response.results.indices.contains(index) else { throw HranaError.badResponse("\(response.results.count) results") }
            switch response.results[index] {
            case .ok(.execute(let result)): return .success(result)
            case .ok: throw HranaError.badResponse("an execute request answered with another type")
            case .error(let error): return .failure(error)
            }
        }
    }

    /// Runs one statement; its error is thrown.
    func execute(_ statement: HranaStatement, idempotent: Bool = false) async throws -> HranaResult {
        guard let result = try await execute([statement], idempotent: idempotent).first else { throw HranaError.badResponse("no result") }
        return try result.get()
    }

    /// Runs `body` in an interactive transaction: `BEGIN IMMEDIATE` on a stream of its own, held across
    /// HTTP requests by the baton. `body` commits through ``HranaStream/commit(_:)``; if it returns
    /// without committing, or throws, the transaction is rolled back.
    ///
    /// The transaction holds this process's write gate from start to end: a write of this process let
    /// through between two of its requests would queue behind its lock holding the gate, and the
    /// transaction's next request could never leave. `body` must not call this client's other methods.
    func transaction<T>(_ body: (inout HranaStream) async throws -> T) async throws -> T {
        try await withWriteGate {
            var stream = HranaStream(client: self)
            do {
                let value = try await body(&stream)
                if !stream.isClosed { await stream.rollback() }
                return value
            } catch {
                await stream.rollback()
                throw error
            }
        }
    }

    // MARK: Transport

    /// Posts one pipeline request. Reads (`retrying`) go at once and are tried again after a connection
    /// failure or a 5xx answer; a write goes through the write gate and only once, since it may have
    /// committed before its answer was lost.
    func send(_ pipeline: PipelineRequest, to base: String, retrying: Bool) async throws -> PipelineResponse {
        guard retrying else { return try await withWriteGate { try await sendInTransaction(pipeline, to: base) } }
        let body = try JSONEncoder().encode(pipeline)
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await post(body, to: base)
            } catch let error as TransientFailure {
                guard retrying, attempt < 3 else { throw error.underlying }
                try await Task.sleep(for: .milliseconds(100 << attempt))
            }
        }
    }

    /// Runs `body` holding the write gate, waiting for it at most one request timeout; past that the write
    /// is busy (``HranaError/isBusy``), tried again like one sqld refused for its lock.
    private func withWriteGate<T>(_ body: () async throws -> T) async throws -> T {
        let (base, timeout) = (baseURL, requestTimeout)
        return try await writeGate.withPermit(patience: .nanoseconds(timeout.nanoseconds)) {
            HranaError(
                code: "WRITE_QUEUE_BUSY",
                message: "\(base): a write waited \(timeout.nanoseconds / 1_000_000) ms behind this process's earlier writes"
            )
        } _: {
            try await body()
        }
    }

    /// Posts one writing request of a stream whose ``transaction(_:)`` holds the write gate, once.
    func sendInTransaction(_ pipeline: PipelineRequest, to base: String) async throws -> PipelineResponse {
        let body = try JSONEncoder().encode(pipeline)
        do {
            return try await writeGate.measuringWrite { try await post(body, to: base) }
        } catch let error as TransientFailure {
            throw error.underlying
        }
    }

    /// A failure worth one more try for a read.
    private struct TransientFailure: Error {
        var underlying: HranaError
    }

    private func post(_ body: Data, to base: String) async throws -> PipelineResponse {
        var request = HTTPClientRequest(url: base + "/v2/pipeline")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        // Uncompressed: a page of jobs is repetitive JSON that gzip shrinks past the shared client's
        // decompression ratio limit, and the size bound below then counts the bytes that arrive.
        request.headers.add(name: "Accept-Encoding", value: "identity")
        if let authToken { request.headers.add(name: "Authorization", value: "Bearer \(authToken)") }
        request.body = .bytes(ByteBuffer(data: body))
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: requestTimeout)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw TransientFailure(underlying: HranaError(code: "UNREACHABLE", message: "\(base): \(error)"))
        }
        var buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: maximumResponseBytes)
        } catch is NIOTooManyBytesError {
            throw HranaError(code: "RESPONSE_TOO_LARGE", message: "the response passed \(maximumResponseBytes) bytes")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // The connection broke while the answer arrived: a read may be tried again.
            throw TransientFailure(underlying: HranaError(code: "RESPONSE_BROKEN", message: "\(base): \(error)"))
        }
        guard response.status == .ok else {
            // sqld answers protocol and auth errors as plain text.
            let text = buffer.readString(length: min(buffer.readableBytes, 500)) ?? ""
            let error = HranaError(code: "HTTP_\(response.status.code)", message: text.isEmpty ? "\(response.status)" : text)
            if response.status.code >= 500 { throw TransientFailure(underlying: error) }
            throw error
        }
        do {
            return try JSONDecoder().decode(PipelineResponse.self, from: buffer)
        } catch {
            throw HranaError.badResponse("\(error)")
        }
    }
}

extension HranaError {
    static func badResponse(_ detail: String) -> HranaError {
        HranaError(code: "BAD_RESPONSE", message: "unexpected answer from the libSQL server: \(detail.prefix(300))")
    }
}

/// One SQL statement with its `?` arguments.
struct HranaStatement: Sendable, Encodable {
    var sql: String
    var args: [HranaValue]

    init(_ sql: String, _ arguments: [any HranaArgument] = []) {
        self.sql = sql
        args = arguments.map(\.hranaValue)
    }
}

// MARK: Wire format

struct PipelineRequest: Encodable {
    var baton: String?
    var requests: [StreamRequest]
}

enum StreamRequest: Encodable {
    case execute(HranaStatement)
    case batch([BatchStep])
    case close

    private enum CodingKeys: String, CodingKey {
        case type, stmt, batch
    }

    private struct Batch: Encodable {
        var steps: [BatchStep]
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .execute(let statement):
            try container.encode("execute", forKey: .type)
            try container.encode(statement, forKey: .stmt)
        case .batch(let steps):
            try container.encode("batch", forKey: .type)
            try container.encode(Batch(steps: steps), forKey: .batch)
        case .close:
            try container.encode("close", forKey: .type)
        }
    }
}

/// A statement of a batch, run only when its condition holds (or always, without one).
struct BatchStep: Encodable {
    var stmt: HranaStatement
    var condition: BatchCondition?
}

indirect enum BatchCondition: Encodable {
    /// The step at this index ran and succeeded.
    case ok(step: Int)
    case not(BatchCondition)

    private enum CodingKeys: String, CodingKey {
        case type, step, cond
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .ok(let step):
            try container.encode("ok", forKey: .type)
            try container.encode(step, forKey: .step)
        case .not(let condition):
            try container.encode("not", forKey: .type)
            try container.encode(condition, forKey: .cond)
        }
    }
}

struct PipelineResponse: Decodable {
    var baton: String?
    var baseURL: String?
    var results: [StreamResult]

    private enum CodingKeys: String, CodingKey {
        case baton, results
        case baseURL = "base_url"
    }
}

enum StreamResult: Decodable {
    case ok(StreamResponse)
    case error(HranaError)

    private enum CodingKeys: String, CodingKey {
        case type, response, error
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .type) {
        case "ok": self = .ok(try container.decode(StreamResponse.self, forKey: .response))
        case "error": self = .error(try container.decode(HranaError.self, forKey: .error))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: "unknown result type \(other.prefix(40))")
        }
    }
}

enum StreamResponse: Decodable {
    case execute(HranaResult)
    case batch(stepResults: [HranaResult?], stepErrors: [HranaError?])
    /// `close` and anything this client never asks for.
    case other

    private enum CodingKeys: String, CodingKey {
        case type, result
    }

    private struct BatchResult: Decodable {
        var step_results: [HranaResult?]
        var step_errors: [HranaError?]
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .type) {
        case "execute":
            self = .execute(try container.decode(HranaResult.self, forKey: .result))
        case "batch":
            let result = try container.decode(BatchResult.self, forKey: .result)
            self = .batch(stepResults: result.step_results, stepErrors: result.step_errors)
        default:
            self = .other
        }
    }
}
