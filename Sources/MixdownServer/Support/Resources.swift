internal import Foundation
import Foundation
public import MixdownJobs
import MixdownRecipe
import MixdownStorage

/// An output as the API shows it: the job result's fields plus signed URLs to fetch it.
public struct OutputResource: Codable, Sendable {
    public var name: String
    public var key: String
    public var contentType: String
    public var bytes: Int
    public var durationSeconds: Double?
    public var sha256: String
    public var assetId: String
    /// Signed and time-limited; served as an attachment.
    public var downloadUrl: String
    /// Signed and time-limited; served inline with `Range` support, for players.
    public var streamUrl: String
}

/// A job as the API returns it: the CLI's `--json` record (``JobView``) with signed URLs on every output,
/// whatever the type, and links. Written as JSON by ``json()``.
public struct JobResource: Sendable {
    public var view: JobView
    /// `view.result`'s outputs with their URLs.
    public var outputs: [OutputResource]?
    /// The outputs a missed expectation rejected (`view.error.rejected`), with their URLs.
    public var rejected: [OutputResource]?
    public var links: Links

    public struct Links: Codable, Sendable {
        public var `self`: String
        public var events: String
        public var cancel: String
    }
}

/// An asset as the API returns it.
public struct AssetResource: Codable, Sendable {
    public var id: String
    public var name: String
    public var key: String
    public var contentType: String
    public var bytes: Int
    public var durationSeconds: Double?
    public var sha256: String
    public var jobId: String?
    public var createdAt: String
    public var downloadUrl: String
    public var streamUrl: String
}

/// Builds resources, signing URLs on the way.
struct ResourceBuilder: Sendable {
    let signer: URLSigner
    let lifetime: Int
    /// A bucket hands out its own URLs (presigned, or under its public base URL); a folder's objects are
    /// served by the API through signed paths.
    let storage: any StorageAdapter

    func signedPath(assetId: String, key: String, name: String? = nil, download: Bool) -> String {
        if let storageKey = try? StorageKey(key),
            let url = try? storage.downloadURL(
                for: storageKey,
                expiresInSeconds: lifetime,
                downloadName: download ? name ?? String(key.split(separator: "/").last ?? "") : nil
            )
        {
            return url
        }
        let expires = Int(Date().timeIntervalSince1970) + lifetime
        let signature = signer.signature(method: "GET", key: key, expires: expires)
        return "/v1/assets/\(assetId)/content?expires=\(expires)&signature=\(signature)" + (download ? "&download=1" : "")
    }

    func job(_ job: Job) -> JobResource {
        let view = JobView(job)
        return JobResource(
            view: view,
            outputs: view.result.map { $0.outputs.map(output) },
            rejected: view.error?.rejected.map { $0.map(output) },
            links: .init(self: "/v1/jobs/\(job.id)", events: "/v1/jobs/\(job.id)/events", cancel: "/v1/jobs/\(job.id)/cancel")
        )
    }

    func output(_ output: JobOutput) -> OutputResource {
        OutputResource(
            name: output.name,
            key: output.key.rawValue,
            contentType: output.contentType,
            bytes: output.bytes,
            durationSeconds: output.durationSeconds,
            sha256: output.sha256,
            assetId: output.assetId,
            downloadUrl: signedPath(assetId: output.assetId, key: output.key.rawValue, download: true),
            streamUrl: signedPath(assetId: output.assetId, key: output.key.rawValue, download: false)
        )
    }

    func asset(_ asset: Asset) -> AssetResource {
        AssetResource(
            id: asset.id,
            name: asset.name,
            key: asset.key.rawValue,
            contentType: asset.contentType,
            bytes: asset.bytes,
            durationSeconds: asset.durationSeconds,
            sha256: asset.sha256,
            jobId: asset.jobId,
            createdAt: JobView.iso(asset.createdAt),
            downloadUrl: signedPath(assetId: asset.id, key: asset.key.rawValue, name: asset.name, download: true),
            streamUrl: signedPath(assetId: asset.id, key: asset.key.rawValue, download: false)
        )
    }
}

extension JobResource {
    /// The resource as JSON, written by hand (see ``JSONWriter``): the polling route's hot path.
    func json() throws -> String {
        var writer = JSONWriter()
        try write(into: &writer)
        return writer.text
    }

    func write(into writer: inout JSONWriter) throws {
        let (attempts, cancelRequested, createdAt, error) = (view.attempts, view.cancelRequested, view.createdAt, view.error)
        let (finishedAt, id, maxAttempts, progress, recipeName) = (view.finishedAt, view.id, view.maxAttempts, view.progress, view.recipeName)
        let (stage, startedAt, status, type, updatedAt) = (view.stage, view.startedAt, view.status, view.type, view.updatedAt)
        writer.beginObject()
        writer.key("attempts"); writer.number(attempts)
        writer.field("batchId", view.batchId)
        writer.field("batchItem", view.batchItem)
        writer.key("cancelRequested"); writer.bool(cancelRequested)
        writer.key("createdAt"); writer.string(createdAt)
        if let error {
            writer.key("error")
            if error.diagnostics == nil {
                writer.beginObject()
                writer.key("code"); writer.string(error.code.rawValue)
                if let location = error.location {
                    writer.key("location"); writer.beginObject()
                    writer.key("column"); writer.number(location.column)
                    writer.key("file"); writer.string(location.file)
                    writer.key("line"); writer.number(location.line)
                    writer.endObject()
                }
                writer.key("message"); writer.string(error.message)
                writer.field("pointer", error.error.pointer)
                if let rejected {
                    writer.key("rejected"); writer.beginArray()
                    for output in rejected { Self.write(output, into: &writer) }
                    writer.endArray()
                }
                writer.key("retryable"); writer.bool(error.isRetryable)
                writer.field("suggestion", error.error.suggestion)
                writer.endObject()
            } else {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                writer.raw(String(decoding: try encoder.encode(error), as: UTF8.self))
            }
        }
        writer.field("finishedAt", finishedAt)
        writer.key("id"); writer.string(id)
        writer.key("links"); writer.beginObject()
        writer.key("cancel"); writer.string(links.cancel)
        writer.key("events"); writer.string(links.events)
        writer.key("self"); writer.string(links.`self`)
        writer.endObject()
        writer.key("maxAttempts"); writer.number(maxAttempts)
        if let notification = view.notification {
            writer.key("notification"); writer.beginObject()
            writer.key("attempts"); writer.number(notification.attempts)
            writer.field("lastError", notification.lastError)
            writer.key("status"); writer.string(notification.status.rawValue)
            writer.endObject()
        }
        writer.key("progress"); writer.number(progress)
        writer.key("recipeName"); writer.string(recipeName)
        if let outputs {
            writer.key("result"); writer.beginObject()
            writer.key("outputs"); writer.beginArray()
            for output in outputs { Self.write(output, into: &writer) }
            writer.endArray()
            writer.endObject()
        }
        writer.field("stage", stage)
        writer.field("startedAt", startedAt)
        writer.key("status"); writer.string(status.rawValue)
        writer.key("type"); writer.string(type.rawValue)
        writer.key("updatedAt"); writer.string(updatedAt)
        writer.endObject()
    }

    private static func write(_ output: OutputResource, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("assetId"); writer.string(output.assetId)
        writer.key("bytes"); writer.number(output.bytes)
        writer.key("contentType"); writer.string(output.contentType)
        writer.key("downloadUrl"); writer.string(output.downloadUrl)
        if let duration = output.durationSeconds { writer.key("durationSeconds"); writer.number(duration) }
        writer.key("key"); writer.string(output.key)
        writer.key("name"); writer.string(output.name)
        writer.key("sha256"); writer.string(output.sha256)
        writer.key("streamUrl"); writer.string(output.streamUrl)
        writer.endObject()
    }

    /// A page of jobs: `{"jobs":[...],"nextCursor":...}`.
    static func page(_ jobs: [JobResource], nextCursor: String?) throws -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("jobs"); writer.beginArray()
        for job in jobs { try job.write(into: &writer) }
        writer.endArray()
        writer.field("nextCursor", nextCursor)
        writer.endObject()
        return writer.text
    }
}
