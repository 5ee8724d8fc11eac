internal import AsyncHTTPClient
internal import Foundation
internal import NIOHTTP1

extension S3Storage {
    /// The objects whose keys start with `prefix` (relative to the key prefix), in key order, through
    /// ListObjectsV2 pages of `pageSize` following continuation tokens, stopping after `limit` objects.
    /// Object names that are not valid ``StorageKey``s (written by something else) are skipped.
    public func list(prefix: String = "", pageSize: Int = 1_000, limit: Int = 100_000) async throws -> [S3ObjectInfo] {
        var objects: [S3ObjectInfo] = []
        var token: String?
        let pageSize = max(1, min(pageSize, 1_000))
        repeat {
            var query: [SigV4Request.Field] = [
                .init("list-type", "2"), .init("prefix", settings.keyPrefix + prefix), .init("max-keys", String(pageSize)),
            ]
            if let token { query.append(.init("continuation-token", token)) }
            let call = Call(operation: "ListObjectsV2", method: .GET, query: query)
            let page = try await perform(call) { response in try await Self.document(response, call: call) }
            for entry in page.children("Contents") {
                guard let name = entry.text(of: "Key"), name.hasPrefix(settings.keyPrefix),
                    let key = try? StorageKey(String(name.dropFirst(settings.keyPrefix.count)))
                else { continue }
                objects.append(
                    S3ObjectInfo(key: key, bytes: entry.text(of: "Size").flatMap { Int($0) } ?? 0, contentType: nil, etag: entry.text(of: "ETag"))
                )
                if objects.count >= limit { return objects }
            }
            let truncated = page.text(of: "IsTruncated") == "true"
            token = truncated ? page.text(of: "NextContinuationToken") : nil
            // A truncated page without a token would loop forever; S3 never sends one, a broken peer might.
            if truncated, token?.isEmpty ?? true {
                throw S3Error(
                    operation: call.operation,
                    key: nil,
                    status: nil,
                    s3Code: nil,
                    message: "a truncated page came without a continuation token"
                )
            }
        } while token != nil
        return objects
    }
}
