internal import Foundation

extension S3Storage {
    /// A URL to GET the object from: under ``S3Settings/publicBaseURL`` when one is set (then
    /// `downloadName` cannot apply: public URLs carry no response overrides), otherwise presigned for
    /// `expiresInSeconds`, clamped to 1 second–7 days (S3's limit). `downloadName` makes the bucket answer
    /// with `Content-Disposition: attachment` and that file name.
    public func downloadURL(for key: StorageKey, expiresInSeconds: Int, downloadName: String?) throws -> String? {
        let name = settings.objectName(key)
        if let base = settings.publicBaseURL { return "\(base)/\(SigV4Encoding.encodePath(name))" }
        var query: [SigV4Request.Field] = []
        if let downloadName { query.append(.init("response-content-disposition", Self.attachmentDisposition(downloadName))) }
        return try presignedGET(objectName: name, query: query, expiresInSeconds: expiresInSeconds)
    }

    /// A presigned GET, its lifetime clamped to 1 second–7 days (S3's limit).
    func presignedGET(objectName: String, query: [SigV4Request.Field], expiresInSeconds: Int) throws(StorageError) -> String {
        let expiry = min(max(expiresInSeconds, 1), SigV4Signer.maximumExpiry)
        return try presignedURL(method: "GET", objectName: objectName, query: query, headers: [], expiresInSeconds: expiry)
    }

    /// A URL a client can PUT the object's bytes to for `expiresInSeconds` (1 second to 7 days). When
    /// `contentType` is given it is signed, so the upload must send exactly that `Content-Type`.
    public func presignedUploadURL(for key: StorageKey, expiresInSeconds: Int, contentType: String?) throws -> String {
        let headers = contentType.map { [SigV4Request.Field("content-type", $0)] } ?? []
        return try presignedURL(method: "PUT", objectName: settings.objectName(key), query: [], headers: headers, expiresInSeconds: expiresInSeconds)
    }

    /// A presigned PUT of the object with exactly `contentType`: a render service's outputs.
    public func writeURL(for key: StorageKey, expiresInSeconds: Int, contentType: String) throws -> String? {
        try presignedUploadURL(for: key, expiresInSeconds: min(max(expiresInSeconds, 1), SigV4Signer.maximumExpiry), contentType: contentType)
    }

    func presignedURL(
        method: String,
        objectName: String,
        query: [SigV4Request.Field],
        headers: [SigV4Request.Field],
        expiresInSeconds: Int
    ) throws(StorageError) -> String {
        let path = settings.requestPath(objectName: objectName)
        let request = SigV4Request(method: method, host: settings.requestHost, path: path, query: query, headers: headers)
        let signed = try signer.presign(request, expiresInSeconds: expiresInSeconds, date: clock())
        return "\(settings.scheme)://\(settings.requestHost)\(path)?\(signed.query)"
    }

    /// `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): an ASCII fallback with quotes,
    /// backslashes and anything unprintable replaced, and the exact name percent-encoded.
    static func attachmentDisposition(_ name: String) -> String {
        let fallback = String(
            name.unicodeScalars.prefix(200).map { scalar -> Character in
                (0x20..<0x7F).contains(scalar.value) && scalar != "\"" && scalar != "\\" && scalar != "%" ? Character(scalar) : "_"
            }
        )
        return "attachment; filename=\"\(fallback)\"; filename*=UTF-8''\(SigV4Encoding.encode(name))"
    }
}
