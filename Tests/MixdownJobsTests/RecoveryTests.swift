import Foundation
import MixdownJobs
import MixdownRecipe
import MixdownStorage
import MixdownTestSupport
import Testing

/// Failing stores and storage: nothing ends a worker, nothing is half-published, nothing is left behind.
@Suite("Recovery", .serialized)
struct RecoveryTests {
    /// Waits for `text` to appear in a file another process writes.
    static func waitForLog(_ path: URL, containing text: String) async throws {
        for _ in 0..<600 {
            if let log = try? String(contentsOf: path, encoding: .utf8), log.contains(text) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSupportError("'\(text)' never appeared in \(path.lastPathComponent)")
    }

    @Test("a worker whose store is locked by another process logs, backs off and runs the job once the lock is gone")
    func workerSurvivesLockedStore() async throws {
        let harness = try JobsHarness(extra: ["MIXDOWN_STORE_BUSY_SECONDS": "0.2"])
        let id = try await harness.submit(JobsHarness.quickRecipe).id
        let locker = try StoreLocker(path: harness.directory.appendingPathComponent("mixdown.sqlite").path)
        let worker = try await harness.startWorker()
        // Whatever fails below, the worker does not outlive the test.
        defer { worker.signal(SIGKILL) }
        try await Self.waitForLog(harness.directory.appendingPathComponent("workers.log"), containing: "store error")
        #expect(try await harness.job(id).status == .queued)
        locker.release()
        try await harness.waitFor("the job to succeed") { try await harness.job(id).status == .succeeded }
        worker.signal(SIGTERM)
        #expect(try await worker.wait() == 0)
    }

    @Test("outputs are published all or none: when the second cannot be stored, the first is removed")
    func publicationIsAllOrNone() async throws {
        let harness = try JobsHarness(extra: ["MIXDOWN_MAX_ATTEMPTS": "1"])
        let recipe =
            "version: 1\nkind: edit\ninputs: { v: { file: intro.wav } }\nsteps:\n  - gain: -3dB\noutputs:\n  a: { format: wav }\n  b: { format: flac }\n"
        let id = try await harness.submit(recipe).id
        // A folder where one output's object would go makes that put fail, like a full or broken disk.
        let folder = harness.directory.appendingPathComponent("storage/jobs/\(id)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("b.flac/blocker"), withIntermediateDirectories: true)
        let worker = try await harness.startWorker(exitWhenIdle: true)
        #expect(try await worker.wait() == 0)
        let job = try await harness.job(id)
        #expect(job.status == .failed)
        #expect(job.error?.code == .storageError)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["b.flac"])
        #expect(job.result == nil)
    }

    @Test("an upload whose asset row cannot be written leaves nothing in storage")
    func uploadWithoutRowIsRemoved() async throws {
        let harness = try JobsHarness(extra: ["MIXDOWN_STORE_BUSY_SECONDS": "0.2"])
        let locker = try StoreLocker(path: harness.directory.appendingPathComponent("mixdown.sqlite").path)
        await #expect(throws: (any Error).self) {
            _ = try await JobSubmitter(services: harness.services).storeUpload(try TestMedia.path("intro.wav"), name: "intro.wav")
        }
        locker.release()
        let uploads = harness.directory.appendingPathComponent("storage/uploads").path
        let left = FileManager.default.enumerator(atPath: uploads)?.allObjects.compactMap { $0 as? String }.filter { $0.hasSuffix(".wav") } ?? []
        #expect(left == [])
    }

    @Test("a server killed mid-upload leaves a folder that the next start removes; live servers' folders stay")
    func uploadFoldersAreSwept() async throws {
        let root = FileManager.default.temporaryDirectory.path
        // A process that has ended: its pid is free (until reused, which `kill(pid, 0)` would show).
        let ended = try await BackgroundProcess("/bin/true", [])
        _ = try await ended.wait()
        let dead = "\(root)/mixdown-upload-\(ended.pid)-\(UUID().uuidString)"
        let live = try WorkFolders.makeUploadFolder()
        for folder in [dead, live] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: "\(folder)/v", contents: Data(repeating: 1, count: 1000))
        }
        defer { try? FileManager.default.removeItem(atPath: live) }
        WorkFolders.sweepUploads()
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect(FileManager.default.fileExists(atPath: "\(live)/v"))
    }
}

extension RecoveryTests {
    @Test("an upload folder whose pid now belongs to a later process (a restarted container's PID 1) is swept")
    func reusedPidIsGone() throws {
        let root = FileManager.default.temporaryDirectory.path
        let pid = ProcessInfo.processInfo.processIdentifier
        // This process's pid with another start time: what a folder of a previous life of this pid looks like.
        let previousLife = "\(root)/mixdown-upload-\(pid).1-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: previousLife, withIntermediateDirectories: true)
        let mine = try WorkFolders.makeUploadFolder()
        defer { try? FileManager.default.removeItem(atPath: mine) }
        WorkFolders.sweepUploads()
        #expect(!FileManager.default.fileExists(atPath: previousLife))
        #expect(FileManager.default.fileExists(atPath: mine))
    }

    @Test("work folders are kept apart per store by the store's real path")
    func workFoldersPerStore() throws {
        let directory = try TestMedia.temporaryDirectory("roots")
        let link = directory.appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: directory)
        let plain = WorkFolders.jobsRoot(store: "sqlite:\(directory.path)/s.sqlite")
        #expect(WorkFolders.jobsRoot(store: "sqlite:\(link.path)/s.sqlite") == plain)
        #expect(WorkFolders.jobsRoot(store: "sqlite:\(directory.path)/x/../s.sqlite") == plain)
        #expect(WorkFolders.jobsRoot(store: "sqlite:\(directory.path)/t.sqlite") != plain)
        #expect(WorkFolders.jobsRoot(store: "\(directory.path)/s.sqlite") == plain)
    }
}
