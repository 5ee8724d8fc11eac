import Foundation
import MixdownJobs
import MixdownTestSupport
import Testing

/// Real `mixdown worker` processes sharing one PostgreSQL database.
@Suite("Worker processes on PostgreSQL", .serialized)
struct PostgresWorkerTests {
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
