internal import Foundation
internal import HTTPTypes
internal import Hummingbird
import MixdownExecution
import MixdownJobs
import MixdownPlanner
import MixdownStorage

extension MixdownAPI {
    func asset(_ context: BasicRequestContext) async throws -> Asset {
        let id = try context.parameters.require("assetId")
        guard Identifier.isValid(id, prefix: "ast_"), let asset = try await services.store.asset(id: id) else {
            throw ProblemDocument.notFound("asset \(id)")
        }
        return asset
    }

    func assetMetadata(_ context: BasicRequestContext) async throws -> Response {
        try JSONResponse.make(resources.asset(try await asset(context)))
    }

    /// `GET /v1/assets/{id}/content`: the bytes with `Content-Type`, `Content-Length`, `Accept-Ranges`
    /// and single-range `Range` requests (206), streamed from storage in 64 KiB reads.
    func assetContent(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let asset = try await asset(context)
        let query = request.uri.queryParameters
        if let signature = query.get("signature") {
            let expires = Int(query.get("expires") ?? "") ?? 0
            guard
                resources.signer.verify(
                    method: "GET",
                    key: asset.key.rawValue,
                    expires: expires,
                    signature: signature,
                    now: Int(Date().timeIntervalSince1970)
                )
            else {
                throw ProblemDocument(.forbidden, code: "bad-signature", detail: "the signed URL is altered, foreign or expired")
            }
        } else if !APIKeyCheck.isAuthorized(request, keys: configuration.apiKeys) {
            throw ProblemDocument(.unauthorized, code: "unauthorized", detail: "send a signed URL or an API key")
        }
        let path = try await services.storage.localPath(for: asset.key)
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        var start = 0, end = size - 1
        var status = HTTPResponse.Status.ok
        // Only media and JSON are served as themselves; nosniff stops a browser from guessing HTML.
        var headers: HTTPFields = [
            .contentType: Self.storableContentType(asset.contentType), .acceptRanges: "bytes", HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        ]
        if let range = request.headers[.range] {
            guard let parsed = Self.byteRange(range, size: size) else {
                return Response(status: .rangeNotSatisfiable, headers: [.contentRange: "bytes */\(size)"])
            }
            (start, end) = parsed
            status = .partialContent
            headers[.contentRange] = "bytes \(start)-\(end)/\(size)"
        }
        headers[.contentLength] = String(max(0, end - start + 1))
        let (first, last) = (start, end)
        if query.get("download") == "1" { headers[.contentDisposition] = "attachment; filename=\"\(asset.name)\"" }
        let body = ResponseBody(contentLength: max(0, last - first + 1)) { writer in
            guard let handle = FileHandle(forReadingAtPath: path) else { throw ProblemDocument.notFound("asset content") }
            defer { try? handle.close() }
            try handle.seek(toOffset: UInt64(first))
            var remaining = last - first + 1
            while remaining > 0 {
                guard let chunk = try handle.read(upToCount: min(65_536, remaining)), !chunk.isEmpty else { break }
                remaining -= chunk.count
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// A stored or served content type: audio, video, raster images and JSON as given, anything else (HTML,
    /// SVG, scripts) as `application/octet-stream`, so an upload can never be served as a page.
    static func storableContentType(_ given: String?) -> String {
        let type = (given ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let allowed =
            type.hasPrefix("audio/") || type.hasPrefix("video/") || (type.hasPrefix("image/") && !type.contains("svg")) || type == "application/json"
        return allowed && type.allSatisfy({ $0.isLetter || $0.isNumber || "/.+-".contains($0) }) ? type : "application/octet-stream"
    }

    /// One `bytes=` range: `a-b`, `a-` or `-n`; nil when unsatisfiable or not understood.
    static func byteRange(_ header: String, size: Int) -> (Int, Int)? {
        guard header.hasPrefix("bytes="), size > 0 else { return nil }
        let spec = header.dropFirst(6)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces), last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        if first.isEmpty {
            guard let suffix = Int(last), suffix > 0 else { return nil }
            return (max(0, size - suffix), size - 1)
        }
        guard let start = Int(first), start < size else { return nil }
        let end = last.isEmpty ? size - 1 : min(Int(last) ?? -1, size - 1)
        return end >= start ? (start, end) : nil
    }
}
