import Foundation
import MixdownStorage
import MixdownTestSupport
import Testing

@Suite("Local storage")
struct LocalStorageTests {
    @Test(
        "keys that could leave the root are refused",
        arguments: ["../etc/passwd", "/etc/passwd", "a/../../b", "a//b", "./a", "a/.", "", "a\\b", "a\u{0}b", "a\nb"]
    )
    func traversal(key: String) {
        #expect(throws: StorageError.self) { try StorageKey(key) }
    }

    @Test("plain keys are accepted", arguments: ["jobs/job_1/episode.mp3", "uploads/ast_1/voice.wav", "a", "a/b/c.d-e_f"])
    func plain(key: String) throws {
        #expect(try StorageKey(key).rawValue == key)
    }

    @Test("put stores bytes atomically, replaces, reads back and deletes")
    func roundTrip() async throws {
        let directory = try TestMedia.temporaryDirectory("storage")
        let storage = try LocalStorage(root: directory.appendingPathComponent("root").path)
        let source = directory.appendingPathComponent("a.bin").path
        try Data("first".utf8).write(to: URL(fileURLWithPath: source))
        let key = try StorageKey("jobs/j/out.bin")
        let stored = try await storage.put(file: source, key: key, contentType: "application/octet-stream")
        #expect(stored.bytes == 5)
        try Data("second!".utf8).write(to: URL(fileURLWithPath: source))
        _ = try await storage.put(file: source, key: key, contentType: "application/octet-stream")
        let path = try await storage.localPath(for: key, downloadingInto: NSTemporaryDirectory())
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second!")
        #expect(try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent) == ["out.bin"])
        try await storage.delete(key)
        #expect(try await storage.exists(key) == false)
        await #expect(throws: StorageError.notFound("jobs/j/out.bin")) { try await storage.localPath(for: key, downloadingInto: NSTemporaryDirectory()) }
        try await storage.checkReady()
    }

    @Test("the root is resolved through symlinks, so the containment check compares real paths")
    func symlinkedRoot() async throws {
        let directory = try TestMedia.temporaryDirectory("storage-link")
        let real = directory.appendingPathComponent("real")
        try FileManager.default.createDirectory(at: real, withIntermediateDirectories: true)
        let link = directory.appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: real)
        let storage = try LocalStorage(root: link.path)
        #expect(storage.root == real.resolvingSymlinksInPath().path)
    }
}
