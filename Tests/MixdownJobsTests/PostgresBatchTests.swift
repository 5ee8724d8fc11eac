import Foundation
import MixdownTestSupport
import Testing

@testable import MixdownJobs

/// The worker's statements in their batched form (what ``StatementCombiner`` sends when a process's slots
/// claim, report or complete at the same moment), run on a real server.
@Suite("PostgreSQL batched statements")
struct PostgresBatchTests {
    @Test("one claim statement takes the oldest runnable jobs, one per token, each under its own token")
    func claims() async throws {
        let url = try PostgresTestServer.freshDatabaseURL("batchclaim")
        let store = try PostgresJobStore(url: url)
        for _ in 0..<5 { _ = try await store.submit(newJob()) }
        let oldest = try PostgresTestServer.psql(
            url,
            "SELECT string_agg(id, ',' ORDER BY run_after, id) FROM (SELECT id, run_after FROM jobs ORDER BY run_after, id LIMIT 3) AS o"
        )
        let claimed = try await store.run(PostgresJobStore.ClaimBatchStatement(owner: "w1", tokens: ["t1", "t2", "t3"], leaseMilliseconds: 30_000))
            .map { (id: try $0.job.get().id, token: $0.token) }
        #expect(claimed.map(\.token).sorted() == ["t1", "t2", "t3"])
        #expect(claimed.map(\.id).sorted() == oldest.split(separator: ",").map(String.init).sorted())
        for row in claimed {
            let job = try #require(try await store.job(id: row.id))
            #expect(job.status == .running && job.leaseOwner == "w1" && job.attempts == 1)
            let token = try PostgresTestServer.psql(url, "SELECT lease_token FROM jobs WHERE id = '\(row.id)'")
            #expect(token == row.token)
        }
        // More tokens than runnable jobs: the two left are taken, and nothing else.
        let rest = try await store.run(PostgresJobStore.ClaimBatchStatement(owner: "w1", tokens: ["t4", "t5", "t6"], leaseMilliseconds: 30_000))
            .map { try $0.job.get().id }
        #expect(rest.count == 2)
        #expect(Set(rest).isDisjoint(with: claimed.map(\.id)))
        #expect(try await store.run(PostgresJobStore.ClaimBatchStatement(owner: "w1", tokens: ["t7"], leaseMilliseconds: 30_000)).isEmpty)
        await store.shutdown()
    }

    @Test("one heartbeat or completion statement for several leases: each applies its own values, and a lease that no longer holds is refused alone")
    func heartbeatsAndCompletions() async throws {
        let url = try PostgresTestServer.freshDatabaseURL("batchbeat")
        let store = try PostgresJobStore(url: url)
        for _ in 0..<3 { _ = try await store.submit(newJob()) }
        var leases: [Lease] = []
        for _ in 0..<3 { leases.append(try #require(try await store.claim(owner: "w", leaseSeconds: 30)).1) }
        _ = try await store.heartbeat(leases[1], leaseSeconds: 30, progress: 0.25, stage: "before", processes: "[1]")
        var forged = leases[2]
        forged.token = "lease_forged"
        let beats = try await store.runRetryingDeadlock(
            PostgresJobStore.HeartbeatBatchStatement(beats: [
                .init(lease: leases[0], leaseMilliseconds: 60_000, progress: 0.5, stage: "mix", processes: "[42]"),
                // Nothing given: what was recorded stays.
                .init(lease: leases[1], leaseMilliseconds: 60_000, progress: nil, stage: nil, processes: nil),
                .init(lease: forged, leaseMilliseconds: 60_000, progress: 0.9, stage: "forged", processes: nil),
            ])
        )
        #expect(beats.map(\.id).sorted() == [leases[0].jobId, leases[1].jobId].sorted())
        let first = try #require(try await store.job(id: leases[0].jobId))
        #expect(first.progress == 0.5 && first.stage == "mix")
        let second = try #require(try await store.job(id: leases[1].jobId))
        #expect(second.progress == 0.25 && second.stage == "before")
        let third = try #require(try await store.job(id: leases[2].jobId))
        #expect(third.progress == 0 && third.stage == nil)
        #expect(try PostgresTestServer.psql(url, "SELECT processes FROM jobs WHERE id = '\(leases[1].jobId)'") == "[1]")

        let done = try await store.run(
            PostgresJobStore.CompleteBatchStatement(completions: [
                .init(lease: leases[0], result: #"{"outputs":[]}"#),
                .init(lease: forged, result: #"{"outputs":[]}"#),
            ])
        )
        #expect(done == [leases[0].jobId])
        #expect(try await store.job(id: leases[0].jobId)?.status == .succeeded)
        #expect(try await store.job(id: leases[2].jobId)?.status == .running)
        await store.shutdown()
    }

    @Test("slots claiming, reporting and completing at once through the store each get a job of their own, and every job ends once")
    func concurrentSlots() async throws {
        let url = try PostgresTestServer.freshDatabaseURL("batchslots")
        let store = try PostgresJobStore(url: url, maximumConnections: 2)
        for _ in 0..<60 { _ = try await store.submit(newJob()) }
        let done = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<12 {
                group.addTask {
                    var done: [String] = []
                    while let (job, lease) = try await store.claim(owner: "slots", leaseSeconds: 30) {
                        #expect(
                            try await store.heartbeat(lease, leaseSeconds: 30, progress: 0.5, stage: "noop", processes: nil)
                                == .active(cancelRequested: false)
                        )
                        #expect(try await store.complete(lease, result: JobResult(outputs: []), assets: []))
                        done.append(job.id)
                    }
                    return done
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(done.count == 60 && Set(done).count == 60)
        // The store's own batch paths ran: twelve slots on two connections do not all take turns alone.
        #expect(max(store.claims.largestBatch, store.heartbeats.largestBatch, store.completions.largestBatch) > 1)
        #expect(try await store.statusCounts()[.succeeded] == 60)
        #expect(try PostgresTestServer.psql(url, "SELECT count(*) FROM jobs WHERE attempts <> 1") == "0")
        await store.shutdown()
    }
}
