internal import Foundation
internal import HTTPTypes
internal import Hummingbird
import MixdownExecution
import MixdownJobs
import MixdownPlanner
internal import MixdownRecipe
import MixdownStorage

extension MixdownAPI {
    /// `POST /v1/uploads`: the body (raw media, `?filename=`) streamed into storage with the byte cap
    /// enforced while it arrives (413, nothing kept), probed where it lies (422 past the duration cap or
    /// not media, removed), recorded. A `multipart/form-data` body (a browser form) streams the same way:
    /// its one file part is parsed out of the body as it arrives.
    func upload(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        // A multipart body's length counts its other parts too: its file part is capped as it streams.
        let isForm = Submission.isForm(request)
        try admitUpload(request, limit: isForm ? nil : configuration.maxUploadBytes, what: "uploads")
        defer { uploadSlots.give() }
        if isForm, let type = request.headers[.contentType] {
            // A browser form: its one file part streams into storage as it is parsed.
            let reader = MultipartFormReader(request, boundary: try Submission.boundary(of: type), maximumFileBytes: configuration.maxUploadBytes)
            guard let part = try await reader.nextFile() else {
                throw ProblemDocument(.badRequest, code: .badMultipart, detail: "send exactly one file part")
            }
            return try await storeStreamed(reader.onlyFile(part), name: part.fileName, contentType: part.contentType, tally: part.tally)
        }
        let body = CappedBody(body: request.body, limit: configuration.maxUploadBytes)
        return try await storeStreamed(
            body,
            name: request.uri.queryParameters.get("filename") ?? "upload",
            contentType: Self.storableContentType(request.headers[.contentType]),
            tally: body.tally
        )
    }

    /// Admits a body into storage: one that says it is larger than `limit` is refused before a byte of it
    /// is read (413), and one more than the uploads received at once is refused (503), since memory (a
    /// bucket's parts) and connections are bounded by their number. Takes an upload slot, which the caller
    /// gives back.
    func admitUpload(_ request: Request, limit: Int?, what: String) throws {
        if let limit, let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw ProblemDocument(.contentTooLarge, code: .tooLarge, detail: "\(what) are limited to \(limit) bytes")
        }
        try takeTransferSlot()
    }

    /// Takes an upload slot, or refuses the request (503 busy) when none is free.
    func takeTransferSlot() throws {
        guard uploadSlots.take() else {
            throw ProblemDocument(
                .serviceUnavailable,
                code: .busy,
                detail: "\(configuration.maxConcurrentUploads) transfers are under way; try again shortly"
            )
        }
    }

    /// A form's files are uploads whatever the route does with them (stored in a bucket, or spooled to a
    /// temporary folder for validate and plan), so a form takes an upload slot like any upload. Returns
    /// whether it took one, which the caller gives back.
    func admitForm(_ request: Request, what: String) throws -> Bool {
        guard Submission.isForm(request) else { return false }
        try admitUpload(request, limit: nil, what: what)
        return true
    }

    /// Streams `body` into storage as it arrives (a bucket gets parts as they fill; no local copy), checks
    /// it where it then lies (the object's own file, or the bucket through a presigned URL), and records
    /// it; anything refused is removed. `tally` is the body's: the problem that stopped it, if one did,
    /// and the SHA-256 of its bytes.
    private func storeStreamed<Body: AsyncSequence>(
        _ body: Body,
        name: String,
        contentType: String,
        tally: UploadTally
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
            if let problem = tally.problem { throw problem }
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
            asset = try await submitter.recordUpload(upload, stored: stored, durationSeconds: duration, sha256: tally.sha256)
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
    let tally = UploadTally()

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int
        let tally: UploadTally
        var total = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let buffer = try await base.next() else { return nil }
            total += buffer.readableBytes
            guard total <= limit else {
                throw tally.record(ProblemDocument(.contentTooLarge, code: .tooLarge, detail: "uploads are limited to \(limit) bytes"))
            }
            tally.add(buffer)
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: body.makeAsyncIterator(), limit: limit, tally: tally) }
}
