internal import AsyncHTTPClient
internal import Foundation
internal import NIOCore
internal import NIOHTTP1
internal import _NIOFileSystem

extension S3Storage {
    /// Downloads an object, or the inclusive byte `range` of it, into `directory` and returns the new
    /// file's path. The file name is fresh (a random token, then the key's last segment reduced to safe
    /// characters), so it never collides with or escapes to anything the key names. The bytes go to a
    /// hidden temporary file that only appears under its name once complete. Throws
    /// ``StorageError/notFound(_:)`` when there is no such object.
    public func download(_ key: StorageKey, range: ClosedRange<Int>? = nil, into directory: String) async throws -> String {
        let path = (directory as NSString).appendingPathComponent(Self.downloadFileName(for: key))
        var headers: [SigV4Request.Field] = []
        if let range { headers.append(.init("range", "bytes=\(range.lowerBound)-\(range.upperBound)")) }
        let call = Call(operation: "GetObject", objectName: settings.objectName(key), method: .GET, headers: headers, streams: true)
        do {
            try await perform(call) { response in
                let expected = response.headers.first(name: "content-length").flatMap { Int64($0) }
                // NIO's transactional creation: the file is written under a hidden name and renamed into
                // place by a successful close; a failure leaves nothing behind.
                let written = try await FileSystem.shared.withFileHandle(forWritingAt: FilePath(path), options: .newFile(replaceExisting: false)) {
                    file in
                    var offset: Int64 = 0
                    var pending = ByteBuffer()
                    for try await chunk in response.body {
                        pending.writeImmutableBuffer(chunk)
                        // Network reads are small; one write per MiB keeps the thread-pool hops few.
                        if pending.readableBytes >= 1 << 20 {
                            try await file.write(contentsOf: pending.readableBytesView, toAbsoluteOffset: offset)
                            offset += Int64(pending.readableBytes)
                            pending.clear()
                        }
                    }
                    if pending.readableBytes > 0 {
                        try await file.write(contentsOf: pending.readableBytesView, toAbsoluteOffset: offset)
                        offset += Int64(pending.readableBytes)
                    }
                    if let expected, expected != offset {
                        throw S3Error(
                            operation: call.operation,
                            key: call.objectName,
                            status: nil,
                            s3Code: nil,
                            message: "the body ended after \(offset) of \(expected) bytes"
                        )
                    }
                    return offset
                }
                _ = written
            }
        } catch let error as S3Error where error.status == 404 {
            throw StorageError.notFound(key.rawValue)
        }
        return path
    }

    /// `1a2b3c4d5e6f-episode.mp3`: a random token, then the key's last segment with anything but ASCII
    /// letters, digits, `.`, `-` and `_` replaced, so the extension (which tools read) survives.
    static func downloadFileName(for key: StorageKey) -> String {
        let last = key.rawValue.split(separator: "/").last.map(String.init) ?? "object"
        var safe = String(
            last.unicodeScalars.prefix(80).map { scalar -> Character in
                scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || ".-_".unicodeScalars.contains(scalar))
                    ? Character(scalar) : "_"
            }
        )
        while safe.hasPrefix(".") { safe.removeFirst() }
        let token = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        return safe.isEmpty ? String(token) : "\(token)-\(safe)"
    }
}
