import Foundation
import MixdownJobs
import MixdownTestSupport
import Testing

/// What the PostgreSQL store adds to the contract: URL handling, migrations under concurrency,
/// idempotency under concurrency, LISTEN/NOTIFY wake-ups and their reconnection, readiness.
@Suite("PostgreSQL store")
struct PostgresStoreTests {
    @Test("store URLs are parsed without trapping, and the password never appears in a description or an error")
    func locations() throws {
        let full = try PostgresJobStore.Location("postgresql://mix:s%40cret%2Fx@db.example:6543/jobs?sslmode=verify-full")
        #expect(full.host == "db.example" && full.port == 6543 && full.username == "mix" && full.database == "jobs")
        #expect(full.password == "s@cret/x" && full.tls == .verifyFull)
        #expect(!full.description.contains("s@cret") && !full.description.contains("cret"))
        let plain = try PostgresJobStore.Location("postgres://mix@[::1]/jobs")
        #expect(plain.host == "::1" && plain.port == 5432 && plain.password == nil && plain.tls == .prefer)
        for bad in [
            "postgres://mix:hunter2@host:99999/jobs", "postgres://mix:hunter2@/jobs", "postgres://mix:hunter2@host/",
            "postgres://:hunter2@host/jobs", "postgres://mix:hunter2@host/jobs?sslmode=sometimes",
            "postgres://mix:hunter2@host/jobs?pool=9", "postgres://mix:hunter2@host:0/jobs", "postgres://mix:hunter2@host:-1/jobs",
            "mysql://mix:hunter2@host/jobs",
        ] {
            #expect(throws: PostgresJobStore.LocationError.self, "\(bad)") { try PostgresJobStore.Location(bad) }
            do {
                _ = try PostgresJobStore.Location(bad)
            } catch {
                #expect(!"\(error)".contains("hunter2"), "\(error)")
            }
        }
    }

    @Test("the configuration accepts postgres:// and postgresql:// stores and names a bad one without its password")
    func configuration() throws {
        for scheme in ["postgres", "postgresql"] {
            let configuration = try MixdownConfiguration.fromEnvironment(["MIXDOWN_STORE": "\(scheme)://mix:pw@127.0.0.1:5432/jobs"])
            #expect(configuration.store.hasPrefix(scheme))
            let services = try MixdownServices.make(configuration)
            #expect(services.store is PostgresJobStore)
        }
        do {
            _ = try MixdownConfiguration.fromEnvironment(["MIXDOWN_STORE": "postgres://mix:hunter2@127.0.0.1:5432/"])
            Issue.record("a URL without a database was accepted")
        } catch let problem as MixdownConfiguration.Problem {
            #expect(problem.description.contains("MIXDOWN_STORE") && problem.description.contains("database"))
            #expect(!problem.description.contains("hunter2"))
        }
    }

    @Test("processes starting together migrate once: the schema is complete and every store works")
    func concurrentMigrations() async throws {
        let url = try PostgresTestServer.freshDatabaseURL("migrate")
        let stores = try (0..<6).map { _ in try PostgresJobStore(url: url) }
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for store in stores { group.addTask { try await store.submit(newJob()).id } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(ids).count == 6)
        let versions = try PostgresTestServer.psql(url, "SELECT string_agg(version, ',' ORDER BY version) FROM schema_migrations")
        #expect(versions == "v1: jobs and assets,v2: durable notifications,v3: wake-ups,v4: remote render reports,v5: batches")
        for store in stores { await store.shutdown() }
    }

    @Test("one idempotency key submitted at once from separate connections makes one job")
    func concurrentIdempotency() async throws {
        let url = try PostgresTestServer.freshDatabaseURL("idem")
        let stores = try (0..<8).map { _ in try PostgresJobStore(url: url) }
        // Migrate first, so the submissions below race each other rather than the schema.
        _ = try await stores[0].now()
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for store in stores { group.addTask { try await store.submit(newJob(key: "same")).id } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(ids.count == 8 && Set(ids).count == 1)
        await #expect(throws: JobStoreError.idempotencyConflict("same")) { try await stores[3].submit(newJob(recipe: "other", key: "same")) }
        #expect(try await stores[0].statusCounts()[.queued] == 1)
        for store in stores { await store.shutdown() }
    }

    @Test("a job ending with a notifyUrl records a delivery duty in the same commit, on every backend", arguments: StoreBackend.allCases)
    func notificationDuty(backend: StoreBackend) async throws {
        let store = try backend.services(try backend.configuration()).store
        var job = newJob()
        job.parameters.notifyUrl = "http://127.0.0.1:9/hook"
        let id = try await store.submit(job).id
        let quiet = try await store.submit(newJob()).id
        #expect(try await store.hasDueNotification() == false)
        for _ in 0..<2 {
            let (_, lease) = try #require(try await store.claim(owner: "w", leaseSeconds: 30))
            #expect(try await store.runningLeases()[lease.jobId] == lease.token)
            #expect(try await store.complete(lease, result: JobResult(outputs: []), assets: []))
        }
        #expect(try await store.job(id: quiet)?.notification == nil)
        #expect(try await store.job(id: id)?.notification == NotificationState(status: .pending, attempts: 0))
        #expect(try await store.hasDueNotification())
        let claimed = try #require(try await store.claimNotification(leaseSeconds: 30))
        #expect(claimed.id == id)
        #expect(try await store.claimNotification(leaseSeconds: 30) == nil, "claimed deliveries are hidden for their lease")
        try await store.recordNotification(jobId: id, delivered: false, error: "refused", maxAttempts: 2, retryAfterSeconds: 0)
        #expect(try await store.job(id: id)?.notification == NotificationState(status: .pending, attempts: 1, lastError: "refused"))
        _ = try #require(try await store.claimNotification(leaseSeconds: 30))
        try await store.recordNotification(jobId: id, delivered: false, error: "refused again", maxAttempts: 2, retryAfterSeconds: 0)
        #expect(try await store.job(id: id)?.notification == NotificationState(status: .failed, attempts: 2, lastError: "refused again"))
        #expect(try await store.hasDueNotification() == false)
        #expect(try await store.statusCounts() == [.queued: 0, .running: 0, .succeeded: 2, .failed: 0, .cancelled: 0])
    }

    @Test("a listener whose connection is killed reconnects, counts a change, and hears later commits")
    func listenerReconnects() async throws {
        let url = try PostgresTestServer.freshDatabaseURL("listen")
        let watcher = try PostgresJobStore(url: url)
        let writer = try PostgresJobStore(url: url)
        let before = try await watcher.changeCounter()
        _ = try await writer.changeCounter()
        let killed = try PostgresTestServer.psql(
            url,
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'"
        )
        #expect(killed == "2", "both stores' listeners were found")
        // The reconnection is the event: it moves the counter so waiters read the store again.
        let afterDrop = await watcher.waitForChange(since: before, upTo: 10)
        #expect(afterDrop != before)
        _ = try await writer.submit(newJob())
        let afterSubmit = await watcher.waitForChange(since: afterDrop, upTo: 10)
        #expect(afterSubmit != afterDrop)
        await watcher.shutdown()
        await writer.shutdown()
    }

    @Test("the change counter answers while the only pooled connection waits on a lock: reading it takes no round trip")
    func counterWithoutRoundTrip() async throws {
        let url = try PostgresTestServer.freshDatabaseURL("cheap")
        let store = try PostgresJobStore(url: url, maximumConnections: 1)
        _ = try await store.submit(newJob())
        _ = try await store.changeCounter()
        let locker = try await BackgroundProcess(
            try PostgresTestServer.psqlPath(),
            // Held until the test kills it (or, if reading the counter wrongly waited on the pool, for 120 s,
            // after which the "still blocked" check below fails).
            [url, "-X", "-q", "-c", "BEGIN; LOCK TABLE jobs; SELECT pg_sleep(120); COMMIT;"]
        )
        defer { locker.signal(SIGKILL) }
        // The server's own view is the event: first the lock is held, then the store's query waits on it.
        try await Self.waitForServer(
            url,
            "SELECT count(*) FROM pg_locks WHERE relation = 'jobs'::regclass AND mode = 'AccessExclusiveLock' AND granted"
        )
        let blocked = Task { try await store.hasRunnableJob() }
        try await Self.waitForServer(url, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
        _ = try await store.changeCounter()
        _ = try await store.changeCounter()
        // The order of events is the proof: both reads returned while the pool's only connection still waits.
        #expect(
            try PostgresTestServer.psql(url, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
                == "1",
            "the pooled query was still blocked when the counter answered"
        )
        // Ending the client does not end a running statement on the server: end the lock holder's backend.
        _ = try PostgresTestServer.psql(
            url,
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()"
        )
        _ = try await locker.wait()
        #expect(try await blocked.value, "the blocked query finished once the lock was released")
        await store.shutdown()
    }

    /// Waits until a count the server reports reaches one (at most 10 s).
    static func waitForServer(_ url: String, _ sql: String) async throws {
        for _ in 0..<400 {
            if try PostgresTestServer.psql(url, sql) == "1" { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw TestSupportError("the server never reported: \(sql)")
    }

    @Test("a submission wakes this process's workers through the doorbell: the listener rings it")
    func doorbell() async throws {
        let url = try PostgresTestServer.freshDatabaseURL("bell")
        let bell = WakeSignal()
        let listener = try PostgresJobStore(url: url, doorbell: bell)
        let writer = try PostgresJobStore(url: url)
        _ = try await listener.changeCounter()
        #expect(await bell.wait(upTo: 0.2) == false)
        _ = try await writer.submit(newJob())
        #expect(await bell.wait(upTo: 10), "the doorbell rang for a job another connection submitted")
        await listener.shutdown()
        await writer.shutdown()
    }

    @Test("readiness needs a committed write: a read-only database and an unreachable server are not ready")
    func readiness() async throws {
        let url = try PostgresTestServer.freshDatabaseURL("ready")
        let store = try PostgresJobStore(url: url)
        // Migrated first: readiness on a store still creating its schema may (rightly) say not ready yet.
        _ = try await store.hasRunnableJob()
        try await store.checkReady()
        let name = String(url.split(separator: "/").last ?? "")
        try PostgresTestServer.psql(url, "ALTER DATABASE \(name) SET default_transaction_read_only = on")
        let readOnly = try PostgresJobStore(url: url)
        await #expect(throws: (any Error).self) { try await readOnly.checkReady() }
        await store.shutdown()
        await readOnly.shutdown()
        // A port nothing listens on: the check gives up within its deadline instead of waiting on the pool.
        let nowhere = try PostgresJobStore(url: "postgres://mixdown@127.0.0.1:1/none?sslmode=disable")
        await #expect(throws: (any Error).self) { try await nowhere.checkReady() }
        await nowhere.shutdown()
    }

    /// The error a store call throws, as its description.
    static func failure(_ call: () async throws -> Void) async -> String? {
        do {
            try await call()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("a server that refuses, or a database that does not exist, is named as the cause by every call, not the pool's breaker")
    func causeNamed() async throws {
        let nowhere = try PostgresJobStore(url: "postgres://mixdown@127.0.0.1:1/none?sslmode=disable")
        let refused = await Self.failure { _ = try await nowhere.job(id: "job_1") }
        #expect(refused?.contains("refused") == true, "\(refused ?? "no error")")
        let submit = await Self.failure { _ = try await nowhere.submit(newJob()) }
        #expect(submit?.contains("refused") == true, "\(submit ?? "no error")")
        await nowhere.shutdown()

        let missing = try PostgresJobStore(url: try PostgresTestServer.base() + "no_such_database")
        let message = await Self.failure { _ = try await missing.list(type: nil, status: nil, limit: 1, cursor: nil) }
        #expect(message?.contains("does not exist") == true, "\(message ?? "no error")")
        await missing.shutdown()
    }

    // The limit guards against a hang only: alone this takes 2 s, but beside two other tests on a loaded
    // 2-core CI machine it took 53 s and 142 s in two runs and went past a minute in a third (why is not
    // known yet: see the closing note of 2026-12-04).
    @Test("a server that goes away mid-run: calls fail at once naming why, and work again as soon as it is back", .timeLimit(.minutes(10)))
    func outageMidRun() async throws {
        let url = try PostgresTestServer.freshDatabaseURL("outage")
        let serverPort = try #require(URLComponents(string: url)?.port)
        let proxy = try await TCPProxy(target: serverPort)
        let store = try PostgresJobStore(url: url.replacingOccurrences(of: ":\(serverPort)/", with: ":\(proxy.port)/"))
        let id = try await store.submit(newJob()).id
        try await proxy.stop()
        // The event: the listener's reconnection is refused, and calls say so (each attempt is a round
        // trip to the proxy's port, so this loop waits on the network, not on a clock).
        var message: String?
        for _ in 0..<100 where message?.contains("refused") != true {
            message = await Self.failure { _ = try await store.job(id: id) }
            if message?.contains("refused") != true { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(message?.contains("refused") == true, "\(message ?? "no error")")
        try await proxy.start()
        var back = false
        for _ in 0..<100 where !back {
            back = (try? await store.job(id: id)) != nil
            if !back { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(back, "the store works again once the server is back")
        await store.shutdown()
        try await proxy.stop()
    }
}
