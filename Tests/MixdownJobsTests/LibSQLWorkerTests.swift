import Foundation
import MixdownJobs
import MixdownTestSupport
import Testing

/// Real `mixdown worker` processes sharing one real sqld.
@Suite("libSQL worker processes", .serialized)
struct LibSQLWorkerTests {
    /// The worker's own poll is set to 10 s, so only the change counter (the store's poll of sqld's
    /// log position) can explain a quick start. Times are the store's clock on both ends.
    @Test("a job submitted here starts in a worker process elsewhere within a second at the median")
    func crossProcessPickup() async throws {
        let harness = try JobsHarness(backend: .libsql, pollSeconds: 10, extra: ["MIXDOWN_LEASE_SECONDS": "20"])
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
