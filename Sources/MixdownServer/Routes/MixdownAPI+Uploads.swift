internal import Crypto
internal import Foundation
internal import HTTPTypes
internal import Hummingbird
import MixdownExecution
import MixdownJobs
import MixdownPlanner
import MixdownStorage

extension MixdownAPI {
    /// `POST /v1/uploads`: the body (raw media, `?filename=`) streamed into storage with the byte cap
    /// enforced while it arrives (413, nothing kept), probed where it lies (422 past the duration cap or
    /// not media, removed), recorded. A `multipart/form-data` body (a browser form) streams the same way:
    /// its one file part is parsed out of the body as it arrives.
    func upload(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        // A body that says it is too large is refused before a byte of it is read.
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > configuration.maxUploadBytes,
            request.headers[.contentType]?.lowercased().hasPrefix("multipart/form-data") != true
        {
            throw ProblemDocument(.contentTooLarge, code: "too-large", detail: "uploads are limited to \(configuration.maxUploadBytes) bytes")
        }
        // Memory (a bucket's parts) and connections are bounded by the number of uploads at once.
        guard uploadSlots.take() else {
            throw ProblemDocument(
                .serviceUnavailable,
                code: "busy",
                detail: "\(configuration.maxConcurrentUploads) uploads are being received; try again shortly"
            )
        }
        defer { uploadSlots.give() }
        if let type = request.headers[.contentType], type.lowercased().hasPrefix("multipart/form-data") {
            // A browser form: its one file part streams into storage as it is parsed.
            let form = MultipartUploadBody(request, boundary: try Submission.boundary(of: type), maximumFileBytes: configuration.maxUploadBytes)
            do {
                try await form.prepare()
            } catch {
                throw form.problem ?? error
            }
            return try await storeStreamed(form, name: form.fileName, contentType: form.contentType) {
                (form.problem, form.sha256)
            }
        }
        let body = CappedBody(body: request.body, limit: configuration.maxUploadBytes)
        return try await storeStreamed(
            body,
            name: request.uri.queryParameters.get("filename") ?? "upload",
            contentType: Self.storableContentType(request.headers[.contentType])
        ) { (body.tally.problem, body.tally.sha256) }
    }

    /// Streams `body` into storage as it arrives (a bucket gets parts as they fill; no local copy), checks
    /// it where it then lies (the object's own file, or the bucket through a presigned URL), and records
    /// it; anything refused is removed. `outcome` gives the problem that stopped the body, if one did
    /// (storage may wrap what the sequence threw), and the SHA-256 of its bytes.
    private func storeStreamed<Body: AsyncSequence>(
        _ body: Body,
        name: String,
        contentType: String,
        outcome: () -> (problem: ProblemDocument?, sha256: String)
    ) async throws -> Response where Body.Element == ByteBuffer {
        let submitter = JobSubmitter(services: services)
        let upload = try await submitter.newUpload(name: name)
        let stored: StoredObject
        do {
            stored = try await services.storage.put(
                stream: body,
                key: upload.key,
                contentType: contentType,
                maximumBytes: configuration.maxUploadBytes
            )
        } catch {
            if let problem = outcome().problem { throw problem }
            throw error
        }
        let asset: Asset
        do {
            let duration: Double?
            if let url = try services.storage.readURL(for: upload.key, expiresInSeconds: 3600) {
                duration = try await checkUploadedMedia(url: url, what: "the upload")
            } else {
                let path = try await services.storage.localPath(for: upload.key, downloadingInto: NSTemporaryDirectory())
                duration = try await checkUploadedMedia(path, what: "the upload")
            }
            asset = try await submitter.recordUpload(upload, stored: stored, durationSeconds: duration, sha256: outcome().sha256)
        } catch {
            try? await services.storage.delete(upload.key)
            throw error
        }
        return try JSONResponse.make(resources.asset(asset), status: .created, headers: [.location: "/v1/assets/\(asset.id)"])
    }
}

/// A request body that fails with 413 as soon as more than `limit` bytes have arrived, and hashes what
/// passes through.
struct CappedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let body: RequestBody
    let limit: Int
    let tally = Tally()

    /// What the sequence saw, readable after whoever iterated it returned, rethrew or wrapped an error.
    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: ProblemDocument?
        private var hash = SHA256()

        /// Why the sequence stopped early, if the cap stopped it.
        var problem: ProblemDocument? {
            get { lock.withLock { stored } }
            set { lock.withLock { stored = newValue } }
        }

        func add(_ buffer: ByteBuffer) {
            lock.withLock { buffer.withUnsafeReadableBytes { hash.update(bufferPointer: $0) } }
        }

        /// The SHA-256 of every byte that passed, hex.
        var sha256: String { lock.withLock { hash.finalize().map { String(format: "%02x", $0) }.joined() } }
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int
        let tally: Tally
        var total = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let buffer = try await base.next() else { return nil }
            total += buffer.readableBytes
            guard total <= limit else {
                let problem = ProblemDocument(.contentTooLarge, code: "too-large", detail: "uploads are limited to \(limit) bytes")
                tally.problem = problem
                throw problem
            }
            tally.add(buffer)
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: body.makeAsyncIterator(), limit: limit, tally: tally) }
}
