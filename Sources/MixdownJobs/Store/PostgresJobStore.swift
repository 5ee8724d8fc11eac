internal import Foundation
public import Logging
internal import PostgresNIO
internal import Synchronization

/// The job store on a PostgreSQL database, shared by any number of processes and hosts.
///
/// Connections come from one PostgresNIO pool per store, run by a task the store owns; one more
/// connection listens on `mixdown_jobs`, which the schema's triggers notify when a job becomes runnable
/// or ends, and moves ``changeCounter()`` without a round trip (see ``ChangeFeed``). The schema is
/// created and migrated on first use (under an advisory lock), so building a store does no I/O and a
/// store whose server is down comes up not ready rather than failing to start.
///
/// Times are the server's clock: `statement_timestamp()`, one value for the whole statement (as SQLite's
/// `'now'`), and stable, so the claim's `run_after <= now` is an index bound.
///
/// Durability, as the SQLite store's: what a caller is told was accepted (submissions, cancels, retries,
/// uploaded assets) commits synchronously. What a worker writes (claims, heartbeats, plans, a job's end,
/// notification records) commits with `synchronous_commit = off`: it survives any process crash, and a
/// server crash can lose the last fraction of a second of it, which leaves the job `running` with a
/// lease that expires, so the reaper requeues it: the recovery path crashed workers already take.
public final class PostgresJobStore: JobStore {
    /// Where the store is, without the password when printed.
    public let location: Location
    /// The pool of the moment: replaced when the server comes back after an outage (see ``renewPool()``).
    var client: PostgresClient { pool.withLock { $0.client } }
    private let pool: Mutex<(client: PostgresClient, running: Task<Void, Never>)>
    private let makeClient: @Sendable () -> PostgresClient
    let changes: ChangeFeed
    let logger: Logger
    private let schemaReady = Mutex(false)
    private let listening = Mutex<Task<Void, Never>?>(nil)
    /// A worker's slots' claims, heartbeats and completions made at the same moment, each sent as one
    /// statement. One lease owner per claim; one job per heartbeat or completion in a batch.
    let claims = StatementCombiner<ClaimRequest, Result<(Job, Lease)?, any Error>>(maximumBatch: 64) {
        $0.owner == $1.owner && $0.leaseMilliseconds == $1.leaseMilliseconds
    }
    let heartbeats = StatementCombiner<HeartbeatBatchStatement.Beat, LeaseState>(maximumBatch: 64) { $0.lease.jobId != $1.lease.jobId }
    let completions = StatementCombiner<CompleteBatchStatement.Completion, Bool>(maximumBatch: 64) { $0.lease.jobId != $1.lease.jobId }

    struct ClaimRequest: Sendable {
        var owner: String
        var token: String
        var leaseMilliseconds: Int64
    }

    /// The store clock in SQL: milliseconds since 1970, one value per statement.
    static let nowSQL = "(floor(extract(epoch from statement_timestamp()) * 1000))::bigint"

    /// Joined into a worker's write (`UPDATE ... FROM`): that statement's commit does not wait for the
    /// WAL flush. `set_config(..., true)` lasts until the end of the statement's own transaction.
    static let relaxedCommit = "(SELECT set_config('synchronous_commit', 'off', true)) AS relaxed_commit"

    /// - Parameters:
    ///   - url: `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require|verify-full]`.
    ///   - maximumConnections: the pool's size for queries; the listening connection comes on top.
    ///   - doorbell: rung when a job becomes runnable in any process (the worker's ``WakeSignal``).
    public init(url: String, maximumConnections: Int = 4, doorbell: WakeSignal? = nil, logger: Logger = Logger(label: "mixdown.store")) throws {
        location = try Location(url)
        self.logger = logger
        var configuration = location.clientConfiguration
        configuration.options.maximumConnections = min(max(maximumConnections, 1), 1000)
        configuration.options.connectTimeout = .seconds(5)
        var background = logger
        // The pool reports every failed connection attempt; the store's own errors already say so once.
        background.logLevel = max(logger.logLevel, .error)
        let makeClient: @Sendable () -> PostgresClient = { [configuration, background] in
            PostgresClient(configuration: configuration, backgroundLogger: background)
        }
        let client = makeClient()
        self.makeClient = makeClient
        pool = Mutex((client, Task { await client.run() }))
        let changes = ChangeFeed(doorbell: doorbell)
        self.changes = changes
        let location = location
        let renew: @Sendable () -> Void = { [weak self] in self?.renewPool() }
        let task = Task { await changes.listen(location, logger: logger, outageChanged: renew) }
        listening.withLock { $0 = task }
    }

    deinit {
        listening.withLock { $0?.cancel() }
        pool.withLock { $0.running.cancel() }
    }

    /// Closes the listener and every pooled connection; the store answers nothing afterwards.
    public func shutdown() async {
        let listener = listening.withLock { $0 }
        listener?.cancel()
        await listener?.value
        let running = pool.withLock { $0.running }
        running.cancel()
        await running.value
    }

    /// A fresh pool when an outage begins and when it ends. When it begins, calls waiting in the old pool
    /// for a connection end at once (with the pool's shutdown) instead of waiting for its circuit breaker,
    /// and later calls fail at once with the cause (``ChangeFeed/outage``). When it ends, the old pool may
    /// be backing off between attempts for up to a minute (PostgresNIO's schedule), which would keep the
    /// store down long after the server is back.
    func renewPool() {
        let client = makeClient()
        let old = pool.withLock { pool in
            defer { pool = (client, Task { await client.run() }) }
            return pool.running
        }
        old.cancel()
        logger.notice("the PostgreSQL server went away or came back; the connection pool was renewed")
    }

    // MARK: Running statements

    /// Migrates before the store's first statement. Each caller that finds the schema unchecked migrates
    /// in its own task, so waiting for a server that is down stays cancellable (a readiness deadline
    /// ends it); callers racing at start-up queue on the advisory lock and find nothing left to do.
    func ensureSchema() async throws {
        // A server the listener cannot reach: say why at once.
        if let outage = changes.outage { throw outage }
        if schemaReady.withLock({ $0 }) { return }
        // The first call waits for the listener's first connection, which names what is wrong (refused,
        // no such database, bad password) within its connect timeout.
        await changes.firstAttempt()
        if let outage = changes.outage { throw outage }
        do {
            try await Self.migrate(client, logger: logger)
        } catch {
            throw StoreError(error)
        }
        schemaReady.withLock { $0 = true }
    }

    /// Runs one statement, its own transaction, and reads every row it returns.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await ensureSchema()
        do {
            return try await client.query(query, logger: logger).collect()
        } catch {
            throw StoreError(error)
        }
    }

    func jobs(_ query: PostgresQuery) async throws -> [Job] {
        try await rows(query).map(Self.job(from:))
    }

    /// Runs `body` in one transaction; errors other than the store's (a refused transition) pass unchanged.
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await ensureSchema()
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as JobStoreError {
            throw error
        } catch {
            throw StoreError(error)
        }
    }

    // MARK: JobStore

    public func submit(_ new: NewJob) async throws -> Job {
        let parameters = try JSONCoding.encode(new.parameters)
        let now = try await self.now()
        let id = Identifier.makeOrdered(prefix: "job_", milliseconds: UInt64(clamping: now))
        let inserted = try await jobs(
            """
            INSERT INTO jobs (id, type, status, progress, recipe, recipe_name, parameters, attempts, max_attempts,
                timeout_seconds, cancel_requested, idempotency_key, created_at, updated_at, run_after)
            VALUES (\(id), \(new.type.rawValue), 'queued', 0, \(new.recipe), \(new.recipeName), \(parameters), 0, \(new.maxAttempts),
                \(new.timeoutSeconds), false, \(new.idempotencyKey), \(now), \(now), \(now))
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING *
            """
        )
        if let job = inserted.first { return job }
        // The key was taken (by a committed submission: the unique index made this insert wait for it).
        guard let key = new.idempotencyKey, let existing = try await job(idempotencyKey: key) else { throw JobStoreError.notFound(id) }
        guard existing.recipe == new.recipe, existing.parameters == new.parameters, existing.type == new.type else {
            throw JobStoreError.idempotencyConflict(key)
        }
        return existing
    }

    public func job(id: String) async throws -> Job? {
        try await run(JobByIdStatement(id: id)).first
    }

    public func job(idempotencyKey: String) async throws -> Job? {
        try await jobs("SELECT * FROM jobs WHERE idempotency_key = \(idempotencyKey)").first
    }

    public func status(id: String) async throws -> Job? {
        try await jobs("SELECT \(unescaped: Self.statusColumns) FROM jobs WHERE id = \(id)").first
    }

    public func list(type: JobType?, status: JobStatus?, batch: String?, limit: Int, cursor: String?) async throws -> JobPage {
        let limit = max(1, min(limit, 500))
        var conditions: [String] = []
        var binds = PostgresBindings()
        if let type {
            binds.append(type.rawValue)
            conditions.append("type = $\(binds.count)")
        }
        if let status {
            binds.append(status.rawValue)
            conditions.append("status = $\(binds.count)")
        }
        if let batch {
            binds.append(batch)
            conditions.append("batch_id = $\(binds.count)")
        }
        if let cursor {
            binds.append(cursor)
            conditions.append("id < $\(binds.count)")
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let found = try await jobs(
            PostgresQuery(unsafeSQL: "SELECT \(Self.statusColumns) FROM jobs \(filter) ORDER BY id DESC LIMIT \(limit + 1)", binds: binds)
        )
        let page = Array(found.prefix(limit))
        return JobPage(jobs: page, nextCursor: found.count > limit ? page.last?.id : nil)
    }

    public func submitBatch(recipeName: String, jobs: [NewJob], uploads: [Asset]) async throws -> Batch {
        guard (1...Batch.maximumJobs).contains(jobs.count) else { throw JobStoreError.badBatchSize(jobs.count) }
        let parameters = try jobs.map { try JSONCoding.encode($0.parameters) }
        let now = try await self.now()
        let id = Identifier.makeOrdered(prefix: "bat_", milliseconds: UInt64(clamping: now))
        try await transaction { connection in
            for asset in uploads { _ = try await connection.query(Self.insertAsset(asset), logger: logger) }
            _ = try await connection.query(
                "INSERT INTO batches (id, recipe_name, total, created_at) VALUES (\(id), \(recipeName), \(jobs.count), \(now))",
                logger: logger
            )
            for (new, parameters) in zip(jobs, parameters) {
                let jobId = Identifier.makeOrdered(prefix: "job_", milliseconds: UInt64(clamping: now))
                _ = try await connection.query(
                    """
                    INSERT INTO jobs (id, type, status, progress, recipe, recipe_name, parameters, attempts, max_attempts,
                        timeout_seconds, cancel_requested, created_at, updated_at, run_after, batch_id, batch_item)
                    VALUES (\(jobId), \(new.type.rawValue), 'queued', 0, \(new.recipe), \(new.recipeName), \(parameters), 0, \(new.maxAttempts),
                        \(new.timeoutSeconds), false, \(now), \(now), \(now), \(id), \(new.batchItem))
                    """,
                    logger: logger
                )
            }
        }
        guard let batch = try await batch(id: id) else { throw JobStoreError.notFound(id) }
        return batch
    }

    public func batch(id: String) async throws -> Batch? {
        guard let row = try await rows("SELECT id, recipe_name, total, created_at FROM batches WHERE id = \(id)").first else { return nil }
        let (batchId, recipeName, total, createdAt) = try row.decode((String, String, Int, Int64).self)
        var batch = Batch(id: batchId, recipeName: recipeName, total: total, createdAt: createdAt)
        for row in try await rows("SELECT status, count(*) FROM jobs WHERE batch_id = \(id) GROUP BY status") {
            let (name, count) = try row.decode((String, Int).self)
            if let status = JobStatus(rawValue: name) { batch.set(status, count: count) }
        }
        return batch
    }

    public func cancelBatch(id: String) async throws -> Batch? {
        _ = try await rows(
            """
            UPDATE jobs SET cancel_requested = true, updated_at = \(unescaped: Self.nowSQL),
                status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
                finished_at = CASE WHEN status = 'queued' THEN \(unescaped: Self.nowSQL) ELSE finished_at END,
                error = CASE WHEN status = 'queued' THEN \(Self.cancelledError) ELSE error END
            WHERE batch_id = \(id) AND status IN ('queued', 'running')
            """
        )
        return try await batch(id: id)
    }

    public func upload(sha256: String, bytes: Int) async throws -> Asset? {
        try await rows(
            """
            SELECT * FROM assets WHERE sha256 = \(sha256) AND bytes = \(Int64(bytes)) AND job_id IS NULL AND key LIKE 'uploads/%'
            ORDER BY id LIMIT 1
            """
        ).first.map(Self.asset(from:))
    }

    public func claim(owner: String, leaseSeconds: Double) async throws -> (Job, Lease)? {
        let request = ClaimRequest(
            owner: owner,
            token: Identifier.make(prefix: "lease_", milliseconds: 0),
            leaseMilliseconds: Self.milliseconds(leaseSeconds)
        )
        return try await claims.run(request) { [self] batch in
            // SKIP LOCKED: concurrent claims each take a different row instead of queueing on the first one.
            guard let first = batch.first else { return [] }
            if batch.count == 1 {
                let claimed = try await run(ClaimStatement(owner: first.owner, token: first.token, leaseMilliseconds: first.leaseMilliseconds))
                return [.success(claimed.first.map { ($0, Lease(jobId: $0.id, owner: first.owner, token: first.token)) })]
            }
            let claimed = try await run(
                ClaimBatchStatement(owner: first.owner, tokens: batch.map(\.token), leaseMilliseconds: first.leaseMilliseconds)
            )
            var jobs: [String: Result<Job, any Error>] = [:]
            for row in claimed { jobs[row.token] = row.job }
            return batch.map { asked in
                guard let job = jobs[asked.token] else { return .success(nil) }
                return job.map { ($0, Lease(jobId: $0.id, owner: asked.owner, token: asked.token)) }
            }
        }.get()
    }

    public func hasRunnableJob() async throws -> Bool {
        try await flag("SELECT EXISTS (SELECT 1 FROM jobs WHERE status = 'queued' AND run_after <= \(unescaped: Self.nowSQL))")
    }

    public func heartbeat(_ lease: Lease, leaseSeconds: Double, progress: Double?, stage: String?, processes: String?) async throws -> LeaseState {
        let beat = HeartbeatBatchStatement.Beat(
            lease: lease,
            leaseMilliseconds: Self.milliseconds(leaseSeconds),
            progress: progress,
            stage: stage,
            processes: processes
        )
        return try await heartbeats.run(beat) { [self] batch in
            if let only = batch.first, batch.count == 1 {
                let statement = HeartbeatStatement(
                    leaseMilliseconds: only.leaseMilliseconds,
                    progress: only.progress,
                    stage: only.stage,
                    processes: only.processes,
                    lease: only.lease
                )
                return [try await run(statement).first.map { .active(cancelRequested: $0) } ?? .lost]
            }
            var held: [String: Bool] = [:]
            for row in try await runRetryingDeadlock(HeartbeatBatchStatement(beats: batch)) { held[row.id] = row.cancelRequested }
            return batch.map { beat in held[beat.lease.jobId].map { .active(cancelRequested: $0) } ?? .lost }
        }
    }

    public func recordPlan(_ lease: Lease, plan: String) async throws -> LeaseState {
        try await leaseState(
            """
            UPDATE jobs SET plan = \(plan) FROM \(unescaped: Self.relaxedCommit)
            WHERE id = \(lease.jobId) AND lease_token = \(lease.token) AND status = 'running'
            RETURNING cancel_requested
            """
        )
    }

    private func leaseState(_ query: PostgresQuery) async throws -> LeaseState {
        guard let row = try await rows(query).first else { return .lost }
        return .active(cancelRequested: try row.decode(Bool.self))
    }

    public func complete(_ lease: Lease, result: JobResult, assets: [Asset]) async throws -> Bool {
        let completion = CompleteBatchStatement.Completion(lease: lease, result: try JSONCoding.encode(result))
        guard !assets.isEmpty else {
            return try await completions.run(completion) { [self] batch in
                if let only = batch.first, batch.count == 1 {
                    return [try await run(CompleteStatement(result: only.result, lease: only.lease)).count == 1]
                }
                let completed = Set(try await runRetryingDeadlock(CompleteBatchStatement(completions: batch)))
                return batch.map { completed.contains($0.lease.jobId) }
            }
        }
        let statement = CompleteStatement(result: completion.result, lease: lease)
        // The result and its assets commit together, or neither does.
        return try await transaction { connection in
            guard try await connection.execute(statement, logger: logger).reduce(0, { count, _ in count + 1 }) == 1 else { return false }
            for asset in assets { _ = try await connection.query(Self.insertAsset(asset), logger: logger) }
            return true
        }
    }

    public func fail(_ lease: Lease, error: JobError, retry: Bool, backoffSeconds: Double, assets: [Asset]) async throws -> Bool {
        let errorJSON = try JSONCoding.encode(error)
        let again = "(\(retry) AND attempts < max_attempts)"
        let query: PostgresQuery =
            """
            UPDATE jobs SET
                status = CASE WHEN \(unescaped: again) THEN 'queued' ELSE 'failed' END,
                run_after = \(unescaped: Self.nowSQL) + \(unescaped: Self.backoffSQL(backoffSeconds)),
                finished_at = CASE WHEN \(unescaped: again) THEN NULL ELSE \(unescaped: Self.nowSQL) END,
                error = \(errorJSON), updated_at = \(unescaped: Self.nowSQL), lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL,
                processes = NULL
            FROM \(unescaped: Self.relaxedCommit)
            WHERE id = \(lease.jobId) AND lease_token = \(lease.token) AND status = 'running'
            RETURNING id
            """
        guard !assets.isEmpty else { return try await rows(query).count == 1 }
        // The error and the rejected outputs' assets commit together, or neither does.
        return try await transaction { connection in
            guard try await connection.query(query, logger: logger).reduce(0, { count, _ in count + 1 }) == 1 else { return false }
            for asset in assets { _ = try await connection.query(Self.insertAsset(asset), logger: logger) }
            return true
        }
    }

    /// The retry delay in SQL for the row's attempt: `backoff` doubling per attempt, at most a minute.
    static func backoffSQL(_ backoffSeconds: Double) -> String {
        "LEAST(60000, \(milliseconds(backoffSeconds)) * (1::bigint << LEAST(GREATEST(attempts - 1, 0), 10)))"
    }

    static let cancelledError = #"{"code":"cancelled","message":"cancelled on request"}"#

    public func markCancelled(_ lease: Lease) async throws -> Bool {
        try await rows(
            """
            UPDATE jobs SET status = 'cancelled', finished_at = \(unescaped: Self.nowSQL), updated_at = \(unescaped: Self.nowSQL),
                lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, processes = NULL, error = \(Self.cancelledError)
            FROM \(unescaped: Self.relaxedCommit)
            WHERE id = \(lease.jobId) AND lease_token = \(lease.token) AND status = 'running'
            RETURNING id
            """
        ).count == 1
    }

    public func release(_ lease: Lease) async throws -> Bool {
        try await rows(
            """
            UPDATE jobs SET status = 'queued', attempts = attempts - 1, run_after = \(unescaped: Self.nowSQL),
                updated_at = \(unescaped: Self.nowSQL), progress = 0, stage = NULL,
                lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, processes = NULL
            FROM \(unescaped: Self.relaxedCommit)
            WHERE id = \(lease.jobId) AND lease_token = \(lease.token) AND status = 'running'
            RETURNING id
            """
        ).count == 1
    }

    public func cancel(id: String) async throws -> Job? {
        // One statement: a queued job ends at once, a running one is flagged; `status` on the right is the old value.
        let changed = try await jobs(
            """
            UPDATE jobs SET cancel_requested = true, updated_at = \(unescaped: Self.nowSQL),
                status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
                finished_at = CASE WHEN status = 'queued' THEN \(unescaped: Self.nowSQL) ELSE finished_at END,
                error = CASE WHEN status = 'queued' THEN \(Self.cancelledError) ELSE error END
            WHERE id = \(id) AND status IN ('queued', 'running')
            RETURNING *
            """
        )
        if let job = changed.first { return job }
        return try await job(id: id)
    }

    public func retry(id: String) async throws -> Job? {
        // The statuses a retry may leave, from the state machine itself.
        let from = JobStatus.allCases.filter { JobTransition.retry.apply(to: $0) != nil }.map(\.rawValue)
        let retried = try await jobs(
            """
            UPDATE jobs SET status = 'queued', attempts = 0, progress = 0, stage = NULL, error = NULL, result = NULL,
                cancel_requested = false, finished_at = NULL, started_at = NULL, run_after = \(unescaped: Self.nowSQL),
                updated_at = \(unescaped: Self.nowSQL),
                notify_state = NULL, notify_attempts = 0, notify_next_at = NULL, notify_error = NULL
            WHERE id = \(id) AND status = ANY(\(from))
            RETURNING *
            """
        )
        if let job = retried.first { return job }
        guard let job = try await job(id: id) else { return nil }
        throw JobStoreError.invalidTransition(id, job.status)
    }

    public func statusCounts() async throws -> [JobStatus: Int] {
        var counts: [JobStatus: Int] = [:]
        for status in JobStatus.allCases { counts[status] = 0 }
        for row in try await rows("SELECT status, count(*) FROM jobs GROUP BY status") {
            let (name, count) = try row.decode((String, Int).self)
            if let status = JobStatus(rawValue: name) { counts[status] = count }
        }
        return counts
    }

    public func addAsset(_ asset: Asset) async throws {
        _ = try await rows(Self.insertAsset(asset))
    }

    public func asset(id: String) async throws -> Asset? {
        try await rows("SELECT * FROM assets WHERE id = \(id)").first.map(Self.asset(from:))
    }

    public func recordRemoteResult(jobId: String, dispatch: String, result: String) async throws -> Bool {
        // The worker waiting for this attempt is woken by the notification, as by a job's end.
        try await !rows(
            """
            WITH recorded AS (
                INSERT INTO remote_reports (job_id, dispatch_id, result, updated_at)
                SELECT id, lease_token, \(result), \(unescaped: Self.nowSQL) FROM jobs
                WHERE id = \(jobId) AND lease_token = \(dispatch) AND status = 'running' AND NOT cancel_requested
                ON CONFLICT (job_id, dispatch_id) DO UPDATE SET result = excluded.result, updated_at = excluded.updated_at
                WHERE remote_reports.result IS NULL
                RETURNING job_id
            )
            SELECT pg_notify('\(unescaped: Self.changeChannel)', 'remote') FROM recorded
            """
        ).isEmpty
    }

    public func recordRemoteProgress(jobId: String, dispatch: String, progress: Double) async throws -> Bool {
        try await !rows(
            """
            INSERT INTO remote_reports (job_id, dispatch_id, progress, updated_at)
            SELECT id, lease_token, \(progress), \(unescaped: Self.nowSQL) FROM jobs
            WHERE id = \(jobId) AND lease_token = \(dispatch) AND status = 'running' AND NOT cancel_requested
            ON CONFLICT (job_id, dispatch_id) DO UPDATE SET progress = excluded.progress, updated_at = excluded.updated_at
            WHERE remote_reports.result IS NULL
            RETURNING job_id
            """
        ).isEmpty
    }

    public func remoteReport(jobId: String, dispatch: String) async throws -> RemoteReport? {
        guard let row = try await rows("SELECT progress, result FROM remote_reports WHERE job_id = \(jobId) AND dispatch_id = \(dispatch)").first
        else {
            return nil
        }
        let (progress, result) = try row.decode((Double?, String?).self)
        return RemoteReport(progress: progress, result: result)
    }

    /// The count of notifications this store's listener received: no round trip (see ``ChangeFeed``).
    public func changeCounter() async throws -> Int {
        await changes.read()
    }

    public func now() async throws -> Int64 {
        guard let row = try await rows("SELECT \(unescaped: Self.nowSQL)").first else { throw StoreError("the clock read returned no row") }
        return try row.decode(Int64.self)
    }

    /// Commits a write (the probe row), with a lock and statement timeout: a read-only standby, a full
    /// disk, or a server that does not answer within 2 s is not ready.
    public func checkReady() async throws {
        try await withDeadline(seconds: 5) {
            try await self.transaction { connection in
                _ = try await connection.query("SET LOCAL statement_timeout = 2000", logger: self.logger)
                _ = try await connection.query(
                    """
                    INSERT INTO store_probe (id, checked_at) VALUES (1, \(unescaped: Self.nowSQL))
                    ON CONFLICT (id) DO UPDATE SET checked_at = EXCLUDED.checked_at
                    """,
                    logger: self.logger
                )
            }
        }
    }

    /// Runs `body`, throwing once `seconds` pass: the pool waits for a server that is down up to its
    /// connect timeout and beyond, longer than a readiness probe may take.
    private func withDeadline(seconds: Double, _ body: @escaping @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                throw StoreError("no answer within \(Self.wholeSeconds(seconds)) s")
            }
            defer { group.cancelAll() }
            _ = try await group.next()
        }
    }

    func flag(_ query: PostgresQuery) async throws -> Bool {
        try await rows(query).first?.decode(Bool.self) ?? false
    }
}
