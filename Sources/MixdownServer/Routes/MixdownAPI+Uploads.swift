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
        let contentType = Self.storableContentType(request.headers[.contentType])
        if request.headers[.contentType]?.lowercased().hasPrefix("multipart/form-data") == true {
            let submission = try await Submission.readMultipart(request, contentType: request.headers[.contentType] ?? "", api: self)
            defer { submission.removeTemporaryFiles() }
            guard let (name, path) = submission.files.first else {
                throw ProblemDocument(.badRequest, code: "missing-file", detail: "the multipart body has no file part")
            }
            return try await storeUpload(path, name: name, contentType: "application/octet-stream")
        }
        let name = request.uri.queryParameters.get("filename") ?? "upload"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mixdown-upload-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/body"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw ProblemDocument(.internalServerError, code: "io", detail: "cannot buffer the upload")
        }
        var total = 0
        do {
            defer { try? handle.close() }
            for try await buffer in request.body {
                total += buffer.readableBytes
                guard total <= configuration.maxUploadBytes else {
                    throw ProblemDocument(.contentTooLarge, code: "too-large", detail: "uploads are limited to \(configuration.maxUploadBytes) bytes")
                }
                try handle.write(contentsOf: buffer.readableBytesView)
            }
        }
        return try await storeUpload(path, name: name, contentType: contentType)
    }

    private func storeUpload(_ path: String, name: String, contentType: String) async throws -> Response {
        guard let facts = try? await services.prober.facts(for: path), facts.hasAudio || facts.hasVideo else {
            throw ProblemDocument(
                .unprocessableContent,
                code: "unreadable-media",
                detail: "the upload is not audio, video or an image ffprobe can read"
            )
        }
        if let duration = facts.duration, duration > configuration.maxDurationSeconds {
            throw ProblemDocument(
                .unprocessableContent,
                code: "too-long",
                detail: "the upload lasts \(Int(duration)) s; the limit is \(Int(configuration.maxDurationSeconds)) s"
            )
        }
        let asset = try await JobSubmitter(services: services).storeUpload(path, name: name, contentType: contentType)
        return try JSONResponse.make(resources.asset(asset), status: .created, headers: [.location: "/v1/assets/\(asset.id)"])
    }
}
