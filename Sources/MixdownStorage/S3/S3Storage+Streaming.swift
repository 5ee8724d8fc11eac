internal import AsyncHTTPClient
internal import Foundation
public import NIOCore
internal import NIOHTTP1

extension S3Storage {
    /// Uploads `body` as it arrives: one PutObject when it ends within the first part, otherwise a
    /// multipart upload whose parts are sent while the next one fills (at most
    /// ``S3Settings/streamedPartsInMemory`` parts held), aborted when the body or a part fails.
    public func put<Body: AsyncSequence>(
        stream body: Body,
        key: StorageKey,
        contentType: String,
        maximumBytes: Int
    ) async throws -> StoredObject where Body.Element == ByteBuffer {
        let name = settings.objectName(key)
        // Sized for the largest body the caller allows, so that it never needs more than 10,000 parts.
        var reader = PartReader(iterator: body.makeAsyncIterator(), partSize: Int(partSize(forFileOfSize: Int64(max(maximumBytes, 0)))))
        let first = try await reader.next() ?? ByteBuffer()
        // One more byte decides: a body that ends within its first part is one PutObject.
        guard try await reader.hasMore() else {
            let call = Call(
                operation: "PutObject",
                objectName: name,
                method: .PUT,
                headers: [.init("content-type", contentType)],
                body: .buffer(first),
                streams: true
            )
            try await perform(call) { _ in }
            return StoredObject(key: key, bytes: first.readableBytes, contentType: contentType)
        }
        var total = 0
        try await withMultipartUpload(objectName: name, contentType: contentType) { uploadId in
            try await withThrowingTaskGroup(of: (Int, UploadedPart).self) { group in
                var parts: [UploadedPart] = []
                var inFlight = 0
                var next: ByteBuffer? = first
                while let part = next {
                    // Room for this part: wait for one to be sent, keeping the parts held in memory bounded.
                    if inFlight == S3Settings.streamedPartsInMemory - 1, let (done, uploaded) = try await group.next() {
                        parts[done - 1] = uploaded
                        inFlight -= 1
                    }
                    total += part.readableBytes
                    parts.append(UploadedPart(etag: "", checksum: ""))
                    inFlight += 1
                    let number = parts.count
                    group.addTask { [self] in
                        let checksum = Self.checksum(part)
                        return (number, try await uploadPart(.buffer(part), checksum: checksum, number: number, objectName: name, uploadId: uploadId))
                    }
                    next = try await reader.next()
                }
                while let (done, uploaded) = try await group.next() { parts[done - 1] = uploaded }
                return parts
            }
        }
        return StoredObject(key: key, bytes: total, contentType: contentType)
    }

    /// A presigned GET on the bucket itself (not ``S3Settings/publicBaseURL``, which may serve a cached
    /// copy, or nothing yet, right after an upload).
    public func readURL(for key: StorageKey, expiresInSeconds: Int) throws -> String? {
        try presignedGET(objectName: settings.objectName(key), query: [], expiresInSeconds: expiresInSeconds)
    }
}

/// Cuts a stream of buffers into parts of exactly `partSize` bytes (the last one shorter).
struct PartReader<Iterator: AsyncIteratorProtocol> where Iterator.Element == ByteBuffer {
    var iterator: Iterator
    let partSize: Int
    private var carried: ByteBuffer
    private var ended = false

    init(iterator: Iterator, partSize: Int) {
        self.iterator = iterator
        self.partSize = partSize
        carried = ByteBuffer()
        carried.reserveCapacity(min(partSize, Self.initialCapacity))
    }

    /// Reads buffers until `bytes` are carried or the stream ends.
    private mutating func fill(upTo bytes: Int) async throws {
        while !ended && carried.readableBytes < bytes {
            guard var chunk = try await iterator.next() else {
                ended = true
                return
            }
            carried.writeBuffer(&chunk)
        }
    }

    /// Grown as bytes arrive: a small body under a large cap (large parts) does not reserve a whole part.
    static var initialCapacity: Int { 1 << 20 }

    /// Whether another part follows: reads at most one more buffer.
    mutating func hasMore() async throws -> Bool {
        try await fill(upTo: 1)
        return carried.readableBytes > 0
    }

    /// The next part; nil once the stream has ended and everything was handed out.
    mutating func next() async throws -> ByteBuffer? {
        try await fill(upTo: partSize)
        guard carried.readableBytes > 0 else { return nil }
        let part = carried.readSlice(length: min(partSize, carried.readableBytes)) ?? ByteBuffer()
        // A fresh buffer for what is left, so the part handed out owns its storage alone.
        var rest = ByteBuffer()
        rest.reserveCapacity(min(partSize, Self.initialCapacity))
        rest.writeImmutableBuffer(carried)
        carried = rest
        return part
    }
}
