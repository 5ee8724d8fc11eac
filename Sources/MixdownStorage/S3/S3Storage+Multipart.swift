internal import AsyncHTTPClient
public import Foundation
internal import Logging
internal import NIOCore
internal import NIOHTTP1
internal import _NIOFileSystem

extension S3Storage {
    /// The part size for a file: the configured one, raised to a whole MiB when the file would otherwise
    /// need more than S3's 10,000 parts.
    func partSize(forFileOfSize size: Int64) -> Int64 {
        let configured = Int64(settings.partSize)
        let parts = Int64(S3Settings.maximumPartCount)
        guard size > configured * parts else { return configured }
        let mebibyte = Int64(S3Settings.mebibyte)
        let needed = (size + parts - 1) / parts
        return (needed + mebibyte - 1) / mebibyte * mebibyte
    }

    /// A file in parts sent in parallel (at most ``S3Settings/partConcurrency`` at once, each streamed from
    /// its range of the file).
    func putMultipart(file path: String, size: Int64, objectName: String, contentType: String) async throws {
        try await withMultipartUpload(objectName: objectName, contentType: contentType) { uploadId in
            try await uploadParts(file: path, size: size, objectName: objectName, uploadId: uploadId)
        }
    }

    /// CreateMultipartUpload, `sendParts` (which returns the parts in order), then CompleteMultipartUpload.
    /// Any failure, cancellation included, aborts the upload so that no stored parts are left behind to
    /// be billed.
    ///
    /// The upload names CRC-32 as its checksum, and each part carries its own, as boto3 does: AWS documents
    /// that the bucket then verifies every part (refusing a damaged one, `BadDigest`) and keeps a composite
    /// checksum of the object (moto, which the tests run, checks no part checksum). Naming none leaves the bucket to make a full-object checksum of its own
    /// (CRC-64/NVME, S3's default since 2025); moto builds that from a second copy of the whole object,
    /// which made a 1 GB upload there take 16 s instead of 9.5.
    func withMultipartUpload(objectName: String, contentType: String, _ sendParts: (String) async throws -> [UploadedPart]) async throws {
        let create = Call(
            operation: "CreateMultipartUpload",
            objectName: objectName,
            method: .POST,
            query: [.init("uploads", "")],
            headers: [.init("content-type", contentType), .init("x-amz-checksum-algorithm", "CRC32")]
        )
        let uploadId = try await perform(create) { response in
            guard let id = try await Self.document(response, call: create).text(of: "UploadId"), !id.isEmpty else {
                throw S3Error(operation: create.operation, key: objectName, status: nil, s3Code: nil, message: "the answer has no UploadId")
            }
            return id
        }
        do {
            let parts = try await sendParts(uploadId)
            try await completeMultipartUpload(objectName: objectName, uploadId: uploadId, parts: parts)
        } catch {
            // An unstructured task: it does not inherit our cancellation, so the abort is sent even when
            // cancellation is what stopped the upload.
            let abort = Task { [self] in
                try await perform(
                    Call(operation: "AbortMultipartUpload", objectName: objectName, method: .DELETE, query: [.init("uploadId", uploadId)])
                ) { _ in }
            }
            do {
                try await abort.value
            } catch let abortError {
                logger.error(
                    "could not abort a failed multipart upload; a lifecycle rule must clean it up",
                    metadata: ["key": "\(objectName)", "upload_id": "\(uploadId)", "error": "\(abortError)"]
                )
            }
            throw error
        }
    }

    private func uploadParts(file path: String, size: Int64, objectName: String, uploadId: String) async throws -> [UploadedPart] {
        let partSize = partSize(forFileOfSize: size)
        let count = Int((size + partSize - 1) / partSize)
        return try await withThrowingTaskGroup(of: (Int, UploadedPart).self) { group in
            var next = 1
            func startPart(_ number: Int) {
                let start = Int64(number - 1) * partSize
                let range = start..<min(start + partSize, size)
                group.addTask {
                    // The checksum goes in a header, before the body: the range is read once for it (from
                    // the page cache, as a rule) and once to send.
                    let checksum = try await Self.checksum(file: path, range: range)
                    let part = try await uploadPart(
                        .file(path: path, range: range),
                        checksum: checksum,
                        number: number,
                        objectName: objectName,
                        uploadId: uploadId
                    )
                    return (number, part)
                }
            }
            while next <= min(count, settings.partConcurrency) {
                startPart(next)
                next += 1
            }
            var parts = [UploadedPart](repeating: UploadedPart(etag: "", checksum: ""), count: count)
            // The first failure leaves this loop by throwing, and the group cancels the parts in flight.
            while let (number, part) = try await group.next() {
                parts[number - 1] = part
                if next <= count {
                    startPart(next)
                    next += 1
                }
            }
            return parts
        }
    }

    /// The CRC-32 of a file's byte range, in S3's base64 form.
    static func checksum(file path: String, range: Range<Int64>) async throws -> String {
        try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { file in
            var crc = CRC32()
            for try await chunk in file.readChunks(in: range, chunkLength: .mebibytes(1)) {
                chunk.withUnsafeReadableBytes { crc.update($0) }
            }
            return crc.base64
        }
    }

    /// The CRC-32 of a part held in memory, in S3's base64 form.
    static func checksum(_ buffer: ByteBuffer) -> String {
        var crc = CRC32()
        buffer.withUnsafeReadableBytes { crc.update($0) }
        return crc.base64
    }

    /// UploadPart: the part's ETag and checksum, which CompleteMultipartUpload lists.
    func uploadPart(_ body: Body, checksum: String, number: Int, objectName: String, uploadId: String) async throws -> UploadedPart {
        let call = Call(
            operation: "UploadPart",
            objectName: objectName,
            method: .PUT,
            query: [.init("partNumber", String(number)), .init("uploadId", uploadId)],
            headers: [.init("x-amz-checksum-crc32", checksum)],
            body: body,
            streams: true
        )
        let etag = try await perform(call) { response in response.headers.first(name: "etag") }
        guard let etag, !etag.isEmpty else {
            throw S3Error(operation: call.operation, key: objectName, status: nil, s3Code: nil, message: "part \(number) has no ETag")
        }
        return UploadedPart(etag: etag, checksum: checksum)
    }

    private func completeMultipartUpload(objectName: String, uploadId: String, parts: [UploadedPart]) async throws {
        var xml = #"<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">"#
        for (index, part) in parts.enumerated() {
            xml += "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(Self.escapeXML(part.etag))</ETag>"
            xml += "<ChecksumCRC32>\(Self.escapeXML(part.checksum))</ChecksumCRC32></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let call = Call(
            operation: "CompleteMultipartUpload",
            objectName: objectName,
            method: .POST,
            query: [.init("uploadId", uploadId)],
            headers: [.init("content-type", "application/xml")],
            body: .bytes(Data(xml.utf8))
        )
        // Reading the whole answer matters: S3 may send 200 and then an <Error> document.
        _ = try await perform(call) { response in try await Self.document(response, call: call) }
    }

    static func escapeXML(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Multipart uploads begun under `prefix` (relative to the key prefix) and neither completed nor
    /// aborted: what a crash can leave behind. One page (up to 1,000).
    public func incompleteUploads(prefix: String = "") async throws -> [S3IncompleteUpload] {
        let call = Call(
            operation: "ListMultipartUploads",
            method: .GET,
            query: [.init("uploads", ""), .init("prefix", settings.keyPrefix + prefix)]
        )
        let root = try await perform(call) { response in try await Self.document(response, call: call) }
        return root.children("Upload").compactMap { upload in
            guard let key = upload.text(of: "Key"), let id = upload.text(of: "UploadId") else { return nil }
            return S3IncompleteUpload(objectName: key, uploadId: id, initiated: upload.text(of: "Initiated").flatMap(Self.parseTimestamp))
        }
    }

    /// Aborts the incomplete multipart uploads under the key prefix begun more than `olderThanSeconds`
    /// ago (by the bucket's clock, compared with ours), one page at a time until none is left or a page
    /// aborts nothing. Uploads without a start time are left alone.
    public func abortAbandonedWrites(olderThanSeconds: Double) async throws -> Int {
        var aborted = 0
        while true {
            let cutoff = clock().addingTimeInterval(-olderThanSeconds)
            let stale = try await incompleteUploads().filter { upload in upload.initiated.map { $0 <= cutoff } ?? false }
            for upload in stale {
                try await perform(
                    Call(
                        operation: "AbortMultipartUpload",
                        objectName: upload.objectName,
                        method: .DELETE,
                        query: [.init("uploadId", upload.uploadId)]
                    )
                ) { _ in }
                logger.notice("aborted an abandoned multipart upload", metadata: ["key": "\(upload.objectName)", "upload_id": "\(upload.uploadId)"])
            }
            aborted += stale.count
            if stale.count < 1_000 { return aborted }
        }
    }

    /// `2026-12-02T09:30:00.000Z` (with or without fractional seconds), as S3 writes times.
    static func parseTimestamp(_ text: String) -> Date? {
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return (try? fractional.parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}

/// A part the bucket accepted: its ETag and the CRC-32 it was sent with.
struct UploadedPart: Sendable {
    var etag: String
    var checksum: String
}

/// A multipart upload that was started and not finished.
public struct S3IncompleteUpload: Sendable, Hashable {
    /// The object's full name in the bucket, key prefix included.
    public var objectName: String
    public var uploadId: String
    /// When it was begun, as the bucket says.
    public var initiated: Date?
}
