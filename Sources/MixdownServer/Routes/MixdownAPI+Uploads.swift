internal import Foundation
internal import HTTPTypes
internal import Hummingbird
import MixdownExecution
import MixdownJobs
import MixdownPlanner
import MixdownStorage

extension MixdownAPI {
    /// `POST /v1/uploads`: the body (raw media, `?filename=`) streamed to a temporary file with the byte cap
    /// enforced while it arrives (413, nothing kept), probed (422 past the duration cap, nothing kept), stored.
    func upload(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        // A body that says it is too large is refused before a byte of it is read.
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > configuration.maxUploadBytes,
            request.headers[.contentType]?.lowercased().hasPrefix("multipart/form-data") != true
        {
            throw ProblemDocument(.contentTooLarge, code: "too-large", detail: "uploads are limited to \(configuration.maxUploadBytes) bytes")
        }
        let contentType = Self.storableContentType(request.headers[.contentType])
        if request.headers[.contentType]?.lowercased().hasPrefix("multipart/form-data") == true {
            let submission = try await Submission.readMultipart(request, contentType: request.headers[.contentType] ?? "", api: self)
            defer { submission.removeTemporaryFiles() }
            guard submission.files.count == 1, let (_, file) = submission.files.first else {
                throw ProblemDocument(.badRequest, code: "missing-file", detail: "send exactly one file part")
            }
            return try await storeUpload(file.path, name: file.fileName, contentType: file.contentType)
        }
        let name = request.uri.queryParameters.get("filename") ?? "upload"
        let directory = try WorkFolders.makeUploadFolder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/body"
        // Written through NIO's file system off the event loop, refused the moment it passes the cap.
        let capped = CappedBody(body: request.body, limit: configuration.maxUploadBytes)
        do {
            try await FileIO().writeFile(contents: capped, path: path, context: context)
        } catch {
            // NIO's file system wraps what the body sequence threw; the cap's verdict is kept aside.
            if let problem = capped.verdict.problem { throw problem }
            throw error
        }
        return try await storeUpload(path, name: name, contentType: contentType)
    }

    private func storeUpload(_ path: String, name: String, contentType: String) async throws -> Response {
        try await checkUploadedMedia(path, what: "the upload")
        let asset = try await JobSubmitter(services: services).storeUpload(path, name: name, contentType: contentType)
        return try JSONResponse.make(resources.asset(asset), status: .created, headers: [.location: "/v1/assets/\(asset.id)"])
    }
}

/// A request body that fails with 413 as soon as more than `limit` bytes have arrived.
struct CappedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let body: RequestBody
    let limit: Int
    let verdict = Verdict()

    /// Why the sequence stopped, readable after whoever iterated it rethrew (or wrapped) the error.
    final class Verdict: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: ProblemDocument?
        var problem: ProblemDocument? {
            get { lock.withLock { stored } }
            set { lock.withLock { stored = newValue } }
        }
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int
        let verdict: Verdict
        var total = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let buffer = try await base.next() else { return nil }
            total += buffer.readableBytes
            guard total <= limit else {
                let problem = ProblemDocument(.contentTooLarge, code: "too-large", detail: "uploads are limited to \(limit) bytes")
                verdict.problem = problem
                throw problem
            }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: body.makeAsyncIterator(), limit: limit, verdict: verdict) }
}
