import Foundation
import MixdownJobs
import MixdownPlanner
import MixdownRecipe
import MixdownStorage
import MixdownTestSupport
import Testing

/// Real `mixdown worker` processes sharing one store, on every backend: a SQLite file, a PostgreSQL
/// database, a libSQL server.
@Suite("Worker processes", .serialized)
struct WorkerProcessTests {
    @Test(
        "several workers run every job exactly once, none lost, no lock or store errors",
        arguments: [(StoreBackend.sqlite, 2, 200), (.sqlite, 4, 200), (.postgres, 2, 200), (.postgres, 4, 200), (.libsql, 3, 90)]
    )
    func manyWorkers(backend: StoreBackend, count: Int, jobs: Int) async throws {
        let harness = try JobsHarness(backend: backend)
        var ids: [String] = []
        for _ in 0..<jobs { ids.append(try await harness.submit(JobsHarness.quickRecipe).id) }
        var workers: [BackgroundProcess] = []
        for _ in 0..<count { workers.append(try await harness.startWorker(exitWhenIdle: true)) }
        for worker in workers { #expect(try await worker.wait() == 0) }
        for id in ids {
            let job = try await harness.job(id)
            #expect(
                job.status == .succeeded && job.attempts == 1,
                "\(id): \(job.status) after \(job.attempts) attempts, \(String(describing: job.error))"
            )
            #expect(job.result?.outputs.count == 1)
        }
        let log = try String(contentsOf: harness.directory.appendingPathComponent("workers.log"), encoding: .utf8)
        #expect(!log.contains("database is locked") && !log.contains("store error"))
        // Each job was claimed by one worker: the log names one claim per job.
        #expect(log.components(separatedBy: "claimed").count - 1 == ids.count)
    }

    @Test(
        "a worker killed with SIGKILL mid-ffmpeg: another finishes the job after the lease expires, and the orphan dies",
        arguments: StoreBackend.allCases
    )
    func sigkill(backend: StoreBackend) async throws {
        let harness = try JobsHarness(backend: backend, leaseSeconds: 2, pollSeconds: 0.5)
        let id = try await harness.submit(JobsHarness.slowRecipe(loops: 60)).id
        let doomed = try await harness.startWorker()
        try await harness.waitFor("the job to run") { try await harness.job(id).progress > 0 }
        #expect(try !JobsHarness.processes(of: id).isEmpty)
        #expect(JobsHarness.workFolders(of: id).count == 1)
        let orphans = try JobsHarness.processes(of: id)
        doomed.signal(SIGKILL)
        _ = try await doomed.wait()
        // The killed worker's ffmpeg dies with it (PR_SET_PDEATHSIG), before any reaper runs; the
        // reaper's kill stays as a backstop. Process exit is the event, read from /proc.
        var checks = 0
        while checks < 400, try !JobsHarness.processes(of: id).isEmpty {
            checks += 1
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(try JobsHarness.processes(of: id).isEmpty)
        let rescuer = try await harness.startWorker(exitWhenIdle: true)
        #expect(try await rescuer.wait() == 0)
        let job = try await harness.job(id)
        #expect(job.status == .succeeded && job.attempts == 2)
        for pid in orphans {
            #expect(
                !FileManager.default.fileExists(atPath: "/proc/\(pid)/cmdline")
                    || (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8))?.contains(id) != true
            )
        }
        #expect(try JobsHarness.processes(of: id).isEmpty)
        // The killed attempt's work folder (its partial files) went with the reaping.
        #expect(JobsHarness.workFolders(of: id) == [])
        // Only the finished attempt's outputs are stored, and nothing half-written beside them.
        let stored = try FileManager.default.contentsOfDirectory(atPath: harness.directory.appendingPathComponent("storage/jobs/\(id)").path)
        #expect(stored == ["out.flac"])
        let output = try #require(job.result?.outputs.first)
        #expect(try await harness.services.store.asset(id: output.assetId)?.jobId == id)
    }

    @Test("cancelling a running job stops its ffmpeg within a poll cycle and stores nothing", arguments: StoreBackend.allCases)
    func cancelRunning(backend: StoreBackend) async throws {
        let harness = try JobsHarness(backend: backend, leaseSeconds: 5, pollSeconds: 1)
        let id = try await harness.submit(JobsHarness.slowRecipe(loops: 200)).id
        let worker = try await harness.startWorker()
        try await harness.waitFor("the job to run") { try await harness.job(id).progress > 0 }
        let requested = ContinuousClock.now
        _ = try await harness.services.store.cancel(id: id)
        try await harness.waitFor("the cancel", seconds: 10) { try await harness.job(id).status == .cancelled }
        let took = ContinuousClock.now - requested
        #expect(took < .seconds(harness.configuration.pollSeconds * 2), "cancel took \(took)")
        #expect(try JobsHarness.processes(of: id).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: harness.directory.appendingPathComponent("storage/jobs/\(id)").path))
        worker.signal(SIGTERM)
        #expect(try await worker.wait() == 0)
    }

    @Test("a worker whose only slot is busy with a long job still hands back a dead worker's expired lease")
    func reapsWhileBusy() async throws {
        let harness = try JobsHarness(leaseSeconds: 5, pollSeconds: 0.5)
        // Claimed by a worker that never renews its lease: an orphan once 1 s has passed.
        let orphan = try await harness.submit(JobsHarness.quickRecipe).id
        _ = try #require(try await harness.services.store.claim(owner: "ghost:1:dead", leaseSeconds: 1))
        let long = try await harness.submit(JobsHarness.slowRecipe(loops: 200)).id
        let worker = try await harness.startWorker(["MIXDOWN_WORKER_CONCURRENCY": "1"])
        defer { worker.signal(SIGKILL) }
        try await harness.waitFor("the long job to run") { try await harness.job(long).status == .running }
        // The reaper does not wait for the slot: the orphan is queued again while the long job runs.
        try await harness.waitFor("the orphan handed back") { try await harness.job(orphan).status == .queued }
        #expect(try await harness.job(long).status == .running)
        _ = try await harness.services.store.cancel(id: long)
        try await harness.waitFor("the orphan to run after the long job") { try await harness.job(orphan).status == .succeeded }
        worker.signal(SIGTERM)
        #expect(try await worker.wait() == 0)
    }

    @Test("one worker process with MIXDOWN_WORKER_CONCURRENCY=2 runs two jobs at once, and a third waits", arguments: StoreBackend.allCases)
    func concurrentSlots(backend: StoreBackend) async throws {
        let harness = try JobsHarness(backend: backend, leaseSeconds: 5, pollSeconds: 1)
        var ids: [String] = []
        for _ in 0..<3 { ids.append(try await harness.submit(JobsHarness.slowRecipe(loops: 200)).id) }
        let worker = try await harness.startWorker(["MIXDOWN_WORKER_CONCURRENCY": "2"])
        func statuses() async throws -> [JobStatus] {
            var statuses: [JobStatus] = []
            for id in ids { statuses.append(try await harness.job(id).status) }
            return statuses
        }
        // One slot would never get here: its first job runs for minutes.
        try await harness.waitFor("two jobs running at once") { try await statuses().filter { $0 == .running }.count == 2 }
        #expect(try await statuses().filter { $0 == .queued }.count == 1)
        for id in ids { _ = try await harness.services.store.cancel(id: id) }
        try await harness.waitFor("the cancels") { try await statuses().allSatisfy { $0 == .cancelled } }
        worker.signal(SIGTERM)
        #expect(try await worker.wait() == 0)
        for id in ids { #expect(try JobsHarness.processes(of: id).isEmpty) }
    }

    @Test("a preview dies at its own short limit while a save of the same age keeps running", arguments: StoreBackend.allCases)
    func timeoutsPerType(backend: StoreBackend) async throws {
        let harness = try JobsHarness(backend: backend, extra: ["MIXDOWN_TIMEOUT_PREVIEW": "2", "MIXDOWN_TIMEOUT_SAVE": "120"])
        let save = try await harness.submit(JobsHarness.slowRecipe(loops: 400)).id
        // A preview renders a 10 s window, so its graph must do slow work before the first output second:
        // the window looped a hundred times, denoised, then reversed (areverse reads everything first).
        let slowPreview = JobsHarness.slowRecipe(loops: 100).replacingOccurrences(
            of: "  - denoise: {}\n",
            with: "  - denoise: {}\n  - trim_silence: { where: end }\n"
        )
        let preview = try await harness.submit(slowPreview, preview: true).id
        #expect(try await harness.job(preview).type == .preview)
        #expect(try await harness.job(save).type == .save)
        let workers = [try await harness.startWorker(), try await harness.startWorker()]
        // Both claimed first: on a loaded machine the second worker can start after the preview's 2 s.
        try await harness.waitFor("the save to run") { try await harness.job(save).status == .running }
        try await harness.waitFor("the preview to time out", seconds: 30) { try await harness.job(preview).status.isFinal }
        let ended = try await harness.job(preview)
        #expect(ended.status == .failed && ended.error?.code == .timeout)
        #expect(try await harness.job(save).status == .running)
        // Whichever worker's reaper marked it first, the one running it sees the lease gone at its next
        // heartbeat and ends its ffmpeg: soon after the status, not necessarily before it.
        try await harness.waitFor("the preview's ffmpeg to end", seconds: 10) { try JobsHarness.processes(of: preview).isEmpty }
        _ = try await harness.services.store.cancel(id: save)
        try await harness.waitFor("the save to stop") { try await harness.job(save).status == .cancelled }
        for worker in workers { worker.signal(SIGTERM) }
        for worker in workers { #expect(try await worker.wait() == 0) }
    }

    @Test("SIGTERM hands a long job back to the queue; a restarted worker finishes it with everything kept", arguments: StoreBackend.allCases)
    func gracefulShutdownAndRestart(backend: StoreBackend) async throws {
        let harness = try JobsHarness(backend: backend, extra: ["MIXDOWN_SHUTDOWN_GRACE_SECONDS": "0"])
        let id = try await harness.submit(JobsHarness.slowRecipe(loops: 60)).id
        let quick = try await harness.submit(JobsHarness.quickRecipe).id
        let first = try await harness.startWorker()
        try await harness.waitFor("the job to run") { try await harness.job(id).progress > 0 }
        first.signal(SIGTERM)
        #expect(try await first.wait() == 0)
        let handedBack = try await harness.job(id)
        #expect(handedBack.status == .queued && handedBack.attempts == 0)
        #expect(try JobsHarness.processes(of: id).isEmpty)
        // Every process gone: state lives only in the store and storage.
        let restarted = try MixdownServices.make(harness.configuration)
        let second = try await BackgroundProcess(Shell.mixdown, ["worker", "--exit-when-idle"], environment: harness.environment)
        #expect(try await second.wait() == 0)
        for job in [id, quick] {
            let finished = try #require(try await restarted.store.job(id: job))
            #expect(finished.status == .succeeded)
            let asset = try #require(try await restarted.store.asset(id: finished.result!.outputs[0].assetId))
            let path = try await restarted.storage.localPath(for: asset.key, downloadingInto: NSTemporaryDirectory())
            #expect(FileManager.default.fileExists(atPath: path))
        }
    }
}
