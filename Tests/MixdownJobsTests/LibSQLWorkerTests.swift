import Foundation
import MixdownJobs
import MixdownTestSupport
import Testing

/// Real `mixdown worker` processes sharing one real sqld.
@Suite("libSQL worker processes", .serialized)
struct LibSQLWorkerTests {
    @Test("3 workers on one sqld run 90 jobs each exactly once, none lost")
    func manyWorkers() async throws {
        let harness = try JobsHarness(backend: .libsql)
        var ids: [String] = []
        for _ in 0..<90 { ids.append(try await harness.submit(JobsHarness.quickRecipe).id) }
        var workers: [BackgroundProcess] = []
        for _ in 0..<3 { workers.append(try await harness.startWorker(exitWhenIdle: true)) }
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
        #expect(!log.contains("store error"))
        // Each job was claimed by one worker: the log names one claim per job.
        #expect(log.components(separatedBy: "claimed").count - 1 == ids.count)
    }

    @Test("a worker killed with SIGKILL mid-ffmpeg: another finishes the job after the lease expires")
    func sigkill() async throws {
        let harness = try JobsHarness(leaseSeconds: 2, pollSeconds: 0.5, backend: .libsql)
        let id = try await harness.submit(JobsHarness.slowRecipe(loops: 60)).id
        let doomed = try await harness.startWorker()
        defer { doomed.signal(SIGKILL) }
        try await harness.waitFor("the job to run") { try await harness.job(id).progress > 0 }
        doomed.signal(SIGKILL)
        _ = try await doomed.wait()
        let rescuer = try await harness.startWorker(exitWhenIdle: true)
        #expect(try await rescuer.wait() == 0)
        let job = try await harness.job(id)
        #expect(job.status == .succeeded && job.attempts == 2)
        let output = try #require(job.result?.outputs.first)
        #expect(try await harness.services.store.asset(id: output.assetId)?.jobId == id)
        #expect(JobsHarness.workFolders(of: id) == [])
    }

    /// The worker's own poll is set to 10 s, so only the change counter (the store's poll of sqld's
    /// log position) can explain a quick start. Times are the store's clock on both ends.
    @Test("a job submitted here starts in a worker process elsewhere within a second at the median")
    func crossProcessPickup() async throws {
        let harness = try JobsHarness(pollSeconds: 10, backend: .libsql, extra: ["MIXDOWN_LEASE_SECONDS": "20"])
        let worker = try await harness.startWorker()
        defer { worker.signal(SIGKILL) }
        // The worker is up once it has swept and is waiting: its first claim of a job shows that.
        let warmUp = try await harness.submit(JobsHarness.quickRecipe).id
        try await harness.waitFor("the worker to start") { try await harness.job(warmUp).status == .succeeded }
        var pickups: [Int64] = []
        for _ in 0..<9 {
            let id = try await harness.submit(JobsHarness.quickRecipe).id
            try await harness.waitFor("the job to finish") { try await harness.job(id).status.isFinal }
            let job = try await harness.job(id)
            #expect(job.status == .succeeded)
            pickups.append((job.startedAt ?? .max) - job.createdAt)
        }
        let median = pickups.sorted()[pickups.count / 2]
        print("libsql cross-process pickup ms: \(pickups.sorted()), median \(median)")
        #expect(median < 1000, "pickups: \(pickups)")
        worker.signal(SIGTERM)
        #expect(try await worker.wait() == 0)
    }
}
