import Foundation
import MixdownJobs
import MixdownTestSupport
import Testing

/// Real `mixdown worker` processes sharing one PostgreSQL database.
@Suite("Worker processes on PostgreSQL", .serialized)
struct PostgresWorkerTests {
    @Test("2 and 4 workers on PostgreSQL run 200 jobs each exactly once, none lost", arguments: [2, 4])
    func manyWorkers(count: Int) async throws {
        let harness = try JobsHarness(backend: .postgres)
        var ids: [String] = []
        for _ in 0..<200 { ids.append(try await harness.submit(JobsHarness.quickRecipe).id) }
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
        #expect(!log.contains("store error"), "no worker hit a store error")
        #expect(try await harness.services.store.statusCounts()[.succeeded] == 200)
    }

    @Test("a worker killed with SIGKILL mid-ffmpeg: another finishes the job on PostgreSQL after the lease expires")
    func sigkill() async throws {
        let harness = try JobsHarness(backend: .postgres, leaseSeconds: 2, pollSeconds: 0.5)
        let id = try await harness.submit(JobsHarness.slowRecipe(loops: 60)).id
        let doomed = try await harness.startWorker()
        try await harness.waitFor("the job to run") { try await harness.job(id).progress > 0 }
        let running = try await harness.job(id)
        #expect(running.status == .running && running.attempts == 1)
        doomed.signal(SIGKILL)
        _ = try await doomed.wait()
        let rescuer = try await harness.startWorker(exitWhenIdle: true)
        #expect(try await rescuer.wait() == 0)
        let job = try await harness.job(id)
        #expect(job.status == .succeeded && job.attempts == 2)
        #expect(try JobsHarness.processes(of: id).isEmpty)
        #expect(JobsHarness.workFolders(of: id) == [])
        let stored = try FileManager.default.contentsOfDirectory(atPath: harness.directory.appendingPathComponent("storage/jobs/\(id)").path)
        #expect(stored == ["out.flac"])
        let output = try #require(job.result?.outputs.first)
        #expect(try await harness.services.store.asset(id: output.assetId)?.jobId == id)
    }

    @Test("NOTIFY wakes an idle worker in another process: jobs start well under a second after submission, with a 60 s poll")
    func pickupByNotify() async throws {
        let harness = try JobsHarness(backend: .postgres, leaseSeconds: 120, pollSeconds: 60)
        let worker = try await harness.startWorker()
        defer { worker.signal(SIGKILL) }
        // The first job proves the worker is up; it may start from the worker's first look at the queue.
        let first = try await harness.submit(JobsHarness.quickRecipe).id
        try await harness.waitFor("the first job", seconds: 60) { try await harness.job(first).status == .succeeded }
        var delays: [Int64] = []
        for _ in 0..<5 {
            let id = try await harness.submit(JobsHarness.quickRecipe).id
            try await harness.waitFor("the job to end", seconds: 30) { try await harness.job(id).status.isFinal }
            let job = try await harness.job(id)
            #expect(job.status == .succeeded)
            // Both times are the store's clock: submission to claim, as the worker saw it.
            if let started = job.startedAt { delays.append(started - job.createdAt) }
        }
        #expect(delays.count == 5)
        #expect(delays.allSatisfy { $0 < 1000 }, "submit-to-start delays in ms: \(delays)")
        worker.signal(SIGTERM)
        #expect(try await worker.wait() == 0)
    }
}
