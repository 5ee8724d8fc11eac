import Foundation
import MixdownStorage
import MixdownTestSupport
import Testing

@testable import MixdownJobs

/// What the libSQL store adds to the shared contract (``JobStoreTests`` runs it on `libsql` too): atomicity
/// across HTTP requests, its schema set-up, its change counter, and what it leaves to sqld.
@Suite("libSQL job store")
struct LibSQLJobStoreTests {
    static func asset(for jobId: String, _ name: String) throws -> Asset {
        Asset(
            id: Identifier.make(prefix: "ast_", milliseconds: 1),
            key: try StorageKey("jobs/\(jobId)/\(name)"),
            name: name,
            contentType: "audio/wav",
            bytes: 10,
            durationSeconds: 1,
            sha256: String(repeating: "0", count: 64),
            jobId: jobId
        )
    }

    @Test("16 connections claim and publish with assets at once: every job once, every asset with its job")
    func contendedClaimsAndCompletes() async throws {
        let server = try LibSQLTestServer.start()
        let store = try LibSQLJobStore(url: server.url)
        var submitted: [String] = []
        for _ in 0..<120 { submitted.append(try await store.submit(newJob()).id) }
        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in 0..<16 {
                let connection = try LibSQLJobStore(url: server.url)
                group.addTask {
                    var mine: [String] = []
                    while let (job, lease) = try await connection.claim(owner: "w\(worker)", leaseSeconds: 30) {
                        mine.append(job.id)
                        let assets = [try Self.asset(for: job.id, "a.wav"), try Self.asset(for: job.id, "b.wav")]
                        #expect(try await connection.complete(lease, result: JobResult(outputs: []), assets: assets))
                    }
                    return mine
                }
            }
            var all: [String] = []
            for try await ids in group { all += ids }
            return all
        }
        #expect(claimed.count == 120 && Set(claimed) == Set(submitted))
        let client = HranaClient(baseURL: server.url, authToken: nil)
        let perJob = try await client.execute(HranaStatement("SELECT job_id, count(*) FROM assets GROUP BY job_id HAVING count(*) = 2"))
        #expect(perJob.rows.count == 120)
        #expect(try await store.statusCounts()[.succeeded] == 120)
        // sqld 0.24.32 wedges under concurrent writers (HranaWriteGate): none of this process's overlapped.
        #expect(HranaWriteGate.shared(for: server.url).peakWritesInFlight == 1)
    }

    @Test("a full page of 500 jobs reads back (repetitive JSON that compresses past the shared client's limit)")
    func fullPage() async throws {
        let store = try LibSQLJobStore(url: try LibSQLTestServer.start().url)
        // A listing reads the status columns: the repetition rides in the recipe's name.
        let name = String(repeating: "episodes/season-1/", count: 48)
        for _ in 0..<501 {
            var job = newJob()
            job.recipeName = name
            _ = try await store.submit(job)
        }
        let page = try await store.list(type: nil, status: nil, limit: 500, cursor: nil)
        #expect(page.jobs.count == 500 && page.nextCursor != nil)
        #expect(page.jobs.allSatisfy { $0.recipeName == name })
    }

    @Test("a worker whose lease was lost publishes neither its result nor its assets")
    func lostLeasePublishesNothing() async throws {
        let store = try LibSQLJobStore(url: try LibSQLTestServer.start().url)
        let id = try await store.submit(newJob()).id
        let (_, old) = try #require(try await store.claim(owner: "old", leaseSeconds: 0.001))
        var reaped: [ReapedJob] = []
        while reaped.isEmpty { reaped = try await store.reap(backoffSeconds: 0) }
        let (_, new) = try #require(try await store.claim(owner: "new", leaseSeconds: 30))
        let stale = try Self.asset(for: id, "stale.wav")
        #expect(try await store.complete(old, result: JobResult(outputs: []), assets: [stale]) == false)
        #expect(try await store.asset(id: stale.id) == nil)
        let fresh = try Self.asset(for: id, "fresh.wav")
        #expect(try await store.complete(new, result: JobResult(outputs: []), assets: [fresh]))
        #expect(try await store.asset(id: fresh.id)?.jobId == id)
    }

    @Test("eight stores starting at once on an empty database apply each migration once")
    func concurrentMigrations() async throws {
        let server = try LibSQLTestServer.start()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                let store = try LibSQLJobStore(url: server.url)
                // First use applies the schema (readiness has its own short deadline, not meant for this).
                group.addTask { _ = try await store.hasRunnableJob() }
            }
            try await group.waitForAll()
        }
        let client = HranaClient(baseURL: server.url, authToken: nil)
        let versions = try await client.execute(HranaStatement("SELECT version FROM schema_migrations ORDER BY version"))
        #expect(versions.rows == JobSQL.migrations.map { [.text($0.identifier)] })
        let trigger = try await client.execute(HranaStatement("SELECT count(*) FROM sqlite_master WHERE name = 'jobs_notify_on_end'"))
        #expect(trigger.rows == [[.integer(1)]])
    }

    @Test("a commit by another process reaches the change counter by the poll; one made in this process at once; idle polls move nothing")
    func changeCounterSources() async throws {
        let server = try LibSQLTestServer.start()
        let store = try LibSQLJobStore(url: server.url, changePollSeconds: 0.1)
        _ = try await store.submit(newJob())
        let settled = try await store.changeCounter()
        // Polls with no commit in between: the server's log position stays where it is.
        var idle = settled
        for _ in 0..<5 { idle = await store.waitForChange(since: settled, upTo: 0.15) }
        #expect(idle == settled)
        // Another client on the server, outside this process's feed: only the poll can see it.
        let outsider = HranaClient(baseURL: server.url, authToken: nil)
        _ = try await outsider.execute(HranaStatement("UPDATE jobs SET stage = 'x'"))
        let seen = await store.waitForChange(since: settled, upTo: 5)
        #expect(seen != settled)
        // This process's own commit, through another store on the same database, with polls a minute
        // apart (the first store on a URL sets its feed's interval): only the shared feed can show it.
        let quiet = try LibSQLTestServer.start()
        let watcher = try LibSQLJobStore(url: quiet.url, changePollSeconds: 60)
        let writer = try LibSQLJobStore(url: quiet.url, changePollSeconds: 60)
        let before = try await watcher.changeCounter()
        _ = try await writer.submit(newJob())
        #expect(try await watcher.changeCounter() != before)
    }

    @Test("durability is sqld's: a submitted job survives sqld being killed and started again on its files")
    func survivesServerCrash() async throws {
        let server = try LibSQLTestServer.start()
        let id = try await LibSQLJobStore(url: server.url).submit(newJob()).id
        let failing = try LibSQLJobStore(url: server.url, requestTimeoutSeconds: 2)
        let restarted = try server.restarted()
        await #expect(throws: HranaError.self) { try await failing.checkReady() }
        let store = try LibSQLJobStore(url: restarted.url)
        try await store.checkReady()
        #expect(try await store.job(id: id)?.status == .queued)
    }
}
