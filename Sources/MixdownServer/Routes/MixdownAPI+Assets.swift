internal import Foundation
internal import HTTPTypes
internal import Hummingbird
import MixdownExecution
import MixdownJobs
import MixdownPlanner
internal import MixdownRecipe
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

    /// `GET /v1/assets/{id}/content`: the bytes with `Content-Type`, `Content-Length`, `Accept-Ranges` and one
    /// `Range` (RFC 9110 section 14): 206 for a satisfiable range, its end clamped to the size; 416 with
    /// `Content-Range: bytes */SIZE` for an unsatisfiable one; a header with several ranges, another unit or
    /// bad syntax is ignored (200, the whole body). The file is read with NIO's non-blocking file IO.
    func assetContent(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let asset: Asset
        do {
            asset = try await self.asset(context)
        } catch let problem as ProblemDocument where problem.statusCode == 404 && query.get("signature") != nil {
            // A signed URL for no asset is as wrong as a forged one; a different answer would tell a
            // client without a key which ids exist.
            throw ProblemDocument(.forbidden, code: .badSignature, detail: "the signed URL is altered, foreign or expired")
        }
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
                throw ProblemDocument(.forbidden, code: .badSignature, detail: "the signed URL is altered, foreign or expired")
            }
        } else if !APIKeyCheck.isAuthorized(request, keys: configuration.apiKeys) {
            throw ProblemDocument(.unauthorized, code: .unauthorized, detail: "send a signed URL or an API key")
        }
        // A bucket serves its own bytes (Range included): the caller, already authorized, is sent to a
        // short-lived presigned URL instead of being proxied through this process.
        if let url = try services.storage.downloadURL(
            for: asset.key,
            expiresInSeconds: 300,
            downloadName: query.get("download") == "1" ? asset.name : nil
        ) {
            return Response(status: .found, headers: [.location: url, .cacheControl: "no-store"])
        }
        let path = try await services.storage.localPath(for: asset.key, downloadingInto: NSTemporaryDirectory())
        let fileIO = FileIO()
        // The whole file's body: stats the file without blocking, and says its size; read only when written.
        let whole: ResponseBody
        do {
            whole = try await fileIO.loadFile(path: path, context: context)
        } catch {
            throw ProblemDocument.notFound("content for asset \(asset.id)")
        }
        let size = whole.contentLength ?? 0
        // Only media and JSON are served as themselves; nosniff stops a browser from guessing HTML.
        var headers: HTTPFields = [
            .contentType: Self.storableContentType(asset.contentType), .acceptRanges: "bytes", HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        ]
        if query.get("download") == "1" { headers[.contentDisposition] = "attachment; filename=\"\(asset.name)\"" }
        switch ByteRange(request.headers[.range], size: size) {
        case .whole:
            headers[.contentLength] = String(size)
            return Response(status: .ok, headers: headers, body: whole)
        case .partial(let range):
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
            headers[.contentLength] = String(range.count)
            let body: ResponseBody
            do {
                body = try await fileIO.loadFile(path: path, range: range, context: context)
            } catch {
                throw ProblemDocument.notFound("content for asset \(asset.id)")
            }
            return Response(status: .partialContent, headers: headers, body: body)
        case .unsatisfiable:
            let problem = ProblemDocument(
                .rangeNotSatisfiable,
                code: .rangeNotSatisfiable,
                detail: "the range \(request.headers[.range] ?? "") is outside the \(size) bytes of asset \(asset.id)"
            )
            var response = try problem.response(from: request, context: context)
            response.headers[.contentRange] = "bytes */\(size)"
            return response
        }
    }

    /// A stored or served content type: audio, video, raster images and JSON as given, anything else (HTML,
    /// SVG, scripts) as `application/octet-stream`, so an upload can never be served as a page.
    static func storableContentType(_ given: String?) -> String {
        let type = (given ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let allowed =
            type.hasPrefix("audio/") || type.hasPrefix("video/") || (type.hasPrefix("image/") && !type.contains("svg")) || type == "application/json"
        return allowed && type.allSatisfy({ $0.isLetter || $0.isNumber || "/.+-".contains($0) }) ? type : "application/octet-stream"
    }
}
