internal import Foundation
internal import HTTPTypes
internal import Hummingbird
import MixdownJobs
internal import MixdownRecipe
import MixdownStorage

extension MixdownAPI {
    /// The most a signed PUT may write: a render's video, which can pass the upload cap many times over.
    static let maximumSignedPutBytes = 64 << 30

    /// The storage key a signed storage URL names, once its signature for `method` checks out (403 for an
    /// altered, foreign or expired one, the same answer whatever was wrong).
    func signedStorageKey(_ request: Request, method: String) throws -> StorageKey {
        let query = request.uri.queryParameters
        let forged = ProblemDocument(.forbidden, code: .badSignature, detail: "the signed URL is altered, foreign or expired")
        guard let key = query.get("key"), let signature = query.get("signature"), let expires = Int(query.get("expires") ?? "") else { throw forged }
        guard
            resources.signer.verify(method: method, key: key, expires: expires, signature: signature, now: Int(Date().timeIntervalSince1970))
        else { throw forged }
        do {
            return try StorageKey(key)
        } catch {
            throw forged
        }
    }

    /// `GET /v1/storage/object?key&expires&signature`: an object's bytes, for a render service reading a
    /// dispatch's input from local storage. A bucket is read through its own presigned URLs instead.
    func storageObject(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let key = try signedStorageKey(request, method: "GET")
        if let url = try services.storage.readURL(for: key, expiresInSeconds: 300) {
            return Response(status: .found, headers: [.location: url, .cacheControl: "no-store"])
        }
        let path: String
        do {
            path = try await services.storage.localPath(for: key, downloadingInto: NSTemporaryDirectory())
        } catch {
            throw ProblemDocument.notFound("object \(Excerpt.quoted(key.rawValue))")
        }
        let body = try await FileIO().loadFile(path: path, context: context)
        var headers: HTTPFields = [.contentType: "application/octet-stream", HTTPField.Name("X-Content-Type-Options")!: "nosniff"]
        if let length = body.contentLength { headers[.contentLength] = String(length) }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// `PUT /v1/storage/object?key&expires&signature`: stores the body under the key (temporary file, then
    /// rename: readers never see half of it), for a render service writing a dispatch's output to local
    /// storage. Bounded like an upload in concurrency, and at 64 GiB in size.
    func putStorageObject(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let key = try signedStorageKey(request, method: "PUT")
        let limit = Self.maximumSignedPutBytes
        try admitUpload(request, limit: limit, what: "signed PUTs")
        defer { uploadSlots.give() }
        let body = CappedBody(body: request.body, limit: limit)
        do {
            _ = try await services.storage.put(
                stream: body,
                key: key,
                contentType: Self.storableContentType(request.headers[.contentType]),
                maximumBytes: limit
            )
        } catch {
            if let problem = body.tally.problem { throw problem }
            throw error
        }
        return Response(status: .created)
    }
}
