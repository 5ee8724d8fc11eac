internal import Foundation
public import NIOCore
internal import _NIOFileSystem

/// Objects as files under a root folder. Writes go to a temporary name beside the target, then rename.
public struct LocalStorage: StorageAdapter {
    public let root: String

    public init(root: String) throws {
        let absolute = URL(fileURLWithPath: root).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: absolute, withIntermediateDirectories: true)
        // Resolve symlinks once so the containment check below compares real paths.
        self.root = URL(fileURLWithPath: absolute).resolvingSymlinksInPath().path
    }

    func path(for key: StorageKey) throws(StorageError) -> String {
        let path = URL(fileURLWithPath: root).appendingPathComponent(key.rawValue).standardizedFileURL.path
        // StorageKey already refuses '..'; this is the belt to its braces.
        guard path.hasPrefix(root + "/") else { throw StorageError.invalidKey(key.rawValue, "it leaves the storage root") }
        return path
    }

    public func put(file source: String, key: StorageKey, contentType: String) async throws -> StoredObject {
        let target = try path(for: key)
        try await replace(target, key: key) { temporary in
            do {
                try await BlockingIO.run { try FileManager.default.copyItem(atPath: source, toPath: temporary) }
            } catch {
                throw StorageError.io("cannot store \(key): \(error.localizedDescription)")
            }
        }
        let bytes = try await BlockingIO.run { (try FileManager.default.attributesOfItem(atPath: target)[.size] as? NSNumber)?.intValue ?? 0 }
        return StoredObject(key: key, bytes: bytes, contentType: contentType)
    }

    /// Written through NIO's file system (off the event loop) to a temporary file beside the object, renamed
    /// into place once the body has ended; removed when the body fails.
    public func put<Body: AsyncSequence>(
        stream body: Body,
        key: StorageKey,
        contentType: String,
        maximumBytes: Int
    ) async throws -> StoredObject where Body.Element == ByteBuffer {
        var bytes = 0
        try await replace(try path(for: key), key: key) { temporary in
            try await FileSystem.shared.withFileHandle(forWritingAt: FilePath(temporary), options: .newFile(replaceExisting: true)) { file in
                var writer = file.bufferedWriter()
                for try await chunk in body {
                    bytes += chunk.readableBytes
                    try await writer.write(contentsOf: chunk)
                }
                try await writer.flush()
            }
        }
        return StoredObject(key: key, bytes: bytes, contentType: contentType)
    }

    /// Has `write` fill a temporary file beside `target`, then renames it over `target`: rename(2) replaces
    /// atomically, so a reader sees the old object or the new one, never half of one. The temporary file
    /// is removed when anything fails.
    private func replace(_ target: String, key: StorageKey, _ write: (String) async throws -> Void) async throws {
        try await BlockingIO.run {
            try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        }
        let temporary = target + ".tmp-\(UUID().uuidString.prefix(8))"
        do {
            try await write(temporary)
            guard rename(temporary, target) == 0 else { throw StorageError.io("cannot store \(key): rename failed with errno \(errno)") }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }

    /// Nil: the object's own file is read (``localPath(for:downloadingInto:)``).
    public func readURL(for key: StorageKey, expiresInSeconds: Int) throws -> String? { nil }

    /// Nil: a folder is written through the API's signed `/v1/storage/object` route.
    public func writeURL(for key: StorageKey, expiresInSeconds: Int, contentType: String) throws -> String? { nil }

    /// False: ``localPath(for:downloadingInto:)`` hands back the object's own file.
    public var isRemote: Bool { false }

    /// The object's own file: nothing is copied, so `directory` is unused.
    public func localPath(for key: StorageKey, downloadingInto directory: String) async throws -> String {
        let path = try path(for: key)
        guard FileManager.default.fileExists(atPath: path) else { throw StorageError.notFound(key.rawValue) }
        return path
    }

    public func exists(_ key: StorageKey) async throws -> Bool {
        FileManager.default.fileExists(atPath: try path(for: key))
    }

    public func delete(_ key: StorageKey) async throws {
        let path = try path(for: key)
        let root = root
        try await BlockingIO.run {
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            // Folders the object leaves empty go too (an upload's `uploads/ID/`), so that refused uploads
            // cannot pile up empty folders; rmdir(2) removes only an empty one.
            var folder = (path as NSString).deletingLastPathComponent
            while folder.hasPrefix(root + "/"), rmdir(folder) == 0 {
                folder = (folder as NSString).deletingLastPathComponent
            }
        }
    }

    /// Nothing to do: streamed writes go through anonymous temporary files, named only when complete.
    public func abortAbandonedWrites(olderThanSeconds: Double) async throws -> Int { 0 }

    /// Nil: the API serves a folder's objects itself, through signed `/v1/assets/{id}/content` URLs.
    public func downloadURL(for key: StorageKey, expiresInSeconds: Int, downloadName: String?) throws -> String? { nil }

    public func checkReady() async throws {
        let probe = "\(root)/.ready-\(UUID().uuidString.prefix(8))"
        guard FileManager.default.createFile(atPath: probe, contents: Data()) else { throw StorageError.io("cannot write to \(root)") }
        try FileManager.default.removeItem(atPath: probe)
    }
}
