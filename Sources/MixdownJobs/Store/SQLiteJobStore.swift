internal import Foundation
internal import GRDB
import MixdownStorage

/// The job store on one SQLite file in WAL mode, shared by any number of processes.
///
/// Durability: what a caller is told was accepted commits with `synchronous=FULL` (fsync on commit):
/// submissions (a returned job id survives a power cut), cancel requests, retries and uploaded assets.
/// What a worker writes commits with `NORMAL` (WAL): heartbeats, plans and a job's end. Those survive a
/// crash of any process; a power cut can lose the last of them, which leaves the job `running` with a
/// lease that expires, so the reaper requeues it and it runs again, writing the same storage keys. That
/// recovery path already exists for crashed workers, and it keeps the worker's hot path free of fsyncs.
public final class SQLiteJobStore: JobStore {
    let pool: DatabasePool
    /// A connection of its own for `PRAGMA data_version`, which only moves for other connections' commits.
    let watcher: DatabaseQueue
    public let path: String

    /// The store clock in SQL: milliseconds since 1970.
    static let nowSQL = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"

    /// One read-only connection for the status route: a serial queue costs one hop per read, where the
    /// pool's reader semaphore costs thread wake-ups that dominated the route under load.
    let statusReader: DatabaseQueue
    /// A connection of its own with a short busy timeout, so a readiness check answers quickly when
    /// another process holds the write lock.
    let prober: DatabaseQueue

    /// - Parameter busySeconds: how long a write waits for another process's write lock before failing.
    public init(path: String, busySeconds: Double = 30) throws {
        self.path = path
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        // Several workers share the file: wait for the writer instead of failing with SQLITE_BUSY.
        configuration.busyMode = .timeout(busySeconds)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
        var watcherConfiguration = Configuration()
        watcherConfiguration.readonly = true
        watcherConfiguration.busyMode = .timeout(30)
        watcher = try DatabaseQueue(path: path, configuration: watcherConfiguration)
        var statusConfiguration = Configuration()
        statusConfiguration.readonly = true
        statusConfiguration.busyMode = .timeout(30)
        statusReader = try DatabaseQueue(path: path, configuration: statusConfiguration)
        var proberConfiguration = Configuration()
        proberConfiguration.busyMode = .timeout(min(busySeconds, 2))
        prober = try DatabaseQueue(path: path, configuration: proberConfiguration)
    }

    // MARK: Durable writes

    /// Runs `body` in an IMMEDIATE transaction that is fsynced on commit.
    private func durableWrite<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            defer { try? db.execute(sql: "PRAGMA synchronous = NORMAL") }
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await pool.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }

    static func now(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT \(nowSQL)") ?? 0
    }

    // MARK: JobStore

    public func submit(_ new: NewJob) async throws -> Job {
        let parameters = try JSONCoding.encode(new.parameters)
        return try await durableWrite { db in
            if let key = new.idempotencyKey, let existing = try Self.fetchJob(db, where: "idempotency_key = ?", [key]) {
                guard existing.recipe == new.recipe, existing.parameters == new.parameters, existing.type == new.type else {
                    throw JobStoreError.idempotencyConflict(key)
                }
                return existing
            }
            let now = try Self.now(db)
            let id = Identifier.make(prefix: "job_", milliseconds: UInt64(now))
            try db.execute(
                sql: """
                    INSERT INTO jobs (id, type, status, progress, recipe, recipe_name, parameters, attempts, max_attempts,
                        timeout_seconds, cancel_requested, idempotency_key, created_at, updated_at, run_after)
                    VALUES (?, ?, 'queued', 0, ?, ?, ?, 0, ?, ?, 0, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, new.type.rawValue, new.recipe, new.recipeName, parameters, new.maxAttempts, new.timeoutSeconds, new.idempotencyKey, now, now,
                    now,
                ]
            )
            guard let job = try Self.fetchJob(db, where: "id = ?", [id]) else { throw JobStoreError.notFound(id) }
            return job
        }
    }

    public func job(id: String) async throws -> Job? {
        try await pool.read { db in try Self.fetchJob(db, where: "id = ?", [id]) }
    }

    public func job(idempotencyKey: String) async throws -> Job? {
        try await pool.read { db in try Self.fetchJob(db, where: "idempotency_key = ?", [idempotencyKey]) }
    }

    public func status(id: String) async throws -> Job? {
        try await statusReader.read { db in
            let statement = try db.cachedStatement(sql: "SELECT \(Self.statusColumns) FROM jobs WHERE id = ?")
            return try Row.fetchOne(statement, arguments: [id]).map { try Self.job(from: $0, withParameters: false) }
        }
    }

    public func list(type: JobType?, status: JobStatus?, limit: Int, cursor: String?) async throws -> JobPage {
        let limit = max(1, min(limit, 500))
        return try await pool.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let type {
                conditions.append("type = ?")
                arguments += [type.rawValue]
            }
            if let status {
                conditions.append("status = ?")
                arguments += [status.rawValue]
            }
            if let cursor {
                conditions.append("id < ?")
                arguments += [cursor]
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM jobs \(filter) ORDER BY id DESC LIMIT \(limit + 1)", arguments: arguments)
            let jobs = try rows.prefix(limit).map { try Self.job(from: $0) }
            return JobPage(jobs: jobs, nextCursor: rows.count > limit ? jobs.last?.id : nil)
        }
    }

    public func claim(owner: String, leaseSeconds: Double) async throws -> (Job, Lease)? {
        let token = Identifier.make(prefix: "lease_", milliseconds: 0)
        let leaseMilliseconds = Int64(leaseSeconds * 1000)
        let job: Job? = try await write { db in
            // 'now' is fixed for the whole statement, so every column gets the same store time.
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = ?, lease_token = ?,
                        lease_expires_at = \(Self.nowSQL) + ?, started_at = \(Self.nowSQL), updated_at = \(Self.nowSQL),
                        progress = 0, stage = NULL, processes = NULL
                    WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND run_after <= \(Self.nowSQL) ORDER BY run_after, id LIMIT 1)
                    RETURNING *
                    """
            )
            return try Row.fetchOne(statement, arguments: [owner, token, leaseMilliseconds]).map { try Self.job(from: $0) }
        }
        return job.map { ($0, Lease(jobId: $0.id, owner: owner, token: token)) }
    }

    public func hasRunnableJob() async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM jobs WHERE status = 'queued' AND run_after <= \(Self.nowSQL))") ?? false
        }
    }

    public func heartbeat(_ lease: Lease, leaseSeconds: Double, progress: Double?, stage: String?, processes: String?) async throws -> LeaseState {
        try await write { db in
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE jobs SET lease_expires_at = \(Self.nowSQL) + ?, updated_at = \(Self.nowSQL), progress = COALESCE(?, progress),
                        stage = COALESCE(?, stage), processes = COALESCE(?, processes)
                    WHERE id = ? AND lease_token = ? AND status = 'running'
                    RETURNING cancel_requested
                    """
            )
            let cancel = try Bool.fetchOne(statement, arguments: [Int64(leaseSeconds * 1000), progress, stage, processes, lease.jobId, lease.token])
            return cancel.map { LeaseState.active(cancelRequested: $0) } ?? .lost
        }
    }

    public func recordPlan(_ lease: Lease, plan: String) async throws -> LeaseState {
        try await write { db in
            let cancel = try Bool.fetchOne(
                db,
                sql: "UPDATE jobs SET plan = ? WHERE id = ? AND lease_token = ? AND status = 'running' RETURNING cancel_requested",
                arguments: [plan, lease.jobId, lease.token]
            )
            return cancel.map { LeaseState.active(cancelRequested: $0) } ?? .lost
        }
    }

    public func complete(_ lease: Lease, result: JobResult, assets: [Asset]) async throws -> Bool {
        let resultJSON = try JSONCoding.encode(result)
        return try await write { db in
            try db.cachedStatement(
                sql: """
                    UPDATE jobs SET status = 'succeeded', progress = 1, result = ?, error = NULL, finished_at = \(Self.nowSQL),
                        updated_at = \(Self.nowSQL), lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, processes = NULL
                    WHERE id = ? AND lease_token = ? AND status = 'running'
                    """
            ).execute(arguments: [resultJSON, lease.jobId, lease.token])
            guard db.changesCount == 1 else { return false }
            if !assets.isEmpty {
                let now = try Self.now(db)
                for asset in assets { try Self.insert(asset, createdAt: now, db) }
            }
            return true
        }
    }

    public func fail(_ lease: Lease, error: JobError, retry: Bool, backoffSeconds: Double) async throws -> Bool {
        let errorJSON = try JSONCoding.encode(error)
        return try await write { db in
            let now = try Self.now(db)
            try db.execute(
                sql: """
                    UPDATE jobs SET
                        status = CASE WHEN ? AND attempts < max_attempts THEN 'queued' ELSE 'failed' END,
                        run_after = ? + CAST(MIN(60000, ? * 1000 * (1 << MIN(attempts - 1, 10))) AS INTEGER),
                        finished_at = CASE WHEN ? AND attempts < max_attempts THEN NULL ELSE ? END,
                        error = ?, updated_at = ?, lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, processes = NULL
                    WHERE id = ? AND lease_token = ? AND status = 'running'
                    """,
                arguments: [retry, now, backoffSeconds, retry, now, errorJSON, now, lease.jobId, lease.token]
            )
            return db.changesCount == 1
        }
    }

    public func markCancelled(_ lease: Lease) async throws -> Bool {
        try await write { db in
            let now = try Self.now(db)
            try db.execute(
                sql: """
                    UPDATE jobs SET status = 'cancelled', finished_at = ?, updated_at = ?, lease_owner = NULL, lease_token = NULL,
                        lease_expires_at = NULL, processes = NULL,
                        error = '{"code":"cancelled","message":"cancelled on request"}'
                    WHERE id = ? AND lease_token = ? AND status = 'running'
                    """,
                arguments: [now, now, lease.jobId, lease.token]
            )
            return db.changesCount == 1
        }
    }

    public func release(_ lease: Lease) async throws -> Bool {
        try await write { db in
            let now = try Self.now(db)
            try db.execute(
                sql: """
                    UPDATE jobs SET status = 'queued', attempts = attempts - 1, run_after = ?, updated_at = ?, progress = 0, stage = NULL,
                        lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, processes = NULL
                    WHERE id = ? AND lease_token = ? AND status = 'running'
                    """,
                arguments: [now, now, lease.jobId, lease.token]
            )
            return db.changesCount == 1
        }
    }

    public func cancel(id: String) async throws -> Job? {
        try await durableWrite { db in
            guard let job = try Self.fetchJob(db, where: "id = ?", [id]) else { return nil }
            let now = try Self.now(db)
            switch job.status {
            case .queued:
                try db.execute(
                    sql: """
                        UPDATE jobs SET status = 'cancelled', cancel_requested = 1, finished_at = ?, updated_at = ?,
                            error = '{"code":"cancelled","message":"cancelled on request"}'
                        WHERE id = ?
                        """,
                    arguments: [now, now, id]
                )
            case .running:
                try db.execute(sql: "UPDATE jobs SET cancel_requested = 1, updated_at = ? WHERE id = ?", arguments: [now, id])
            default:
                break
            }
            return try Self.fetchJob(db, where: "id = ?", [id])
        }
    }

    public func retry(id: String) async throws -> Job? {
        try await durableWrite { db in
            guard let job = try Self.fetchJob(db, where: "id = ?", [id]) else { return nil }
            guard JobTransition.retry.apply(to: job.status) != nil else { throw JobStoreError.invalidTransition(id, job.status) }
            let now = try Self.now(db)
            try db.execute(
                sql: """
                    UPDATE jobs SET status = 'queued', attempts = 0, progress = 0, stage = NULL, error = NULL, result = NULL,
                        cancel_requested = 0, finished_at = NULL, started_at = NULL, run_after = ?, updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [now, now, id]
            )
            return try Self.fetchJob(db, where: "id = ?", [id])
        }
    }

    public func reap(backoffSeconds: Double) async throws -> [ReapedJob] {
        try await write { db in
            let now = try Self.now(db)
            var reaped: [ReapedJob] = []
            // Each job's own limit, set from its type's timeout when it was submitted.
            let timedOut = try Row.fetchAll(
                db,
                sql:
                    "SELECT id, type, timeout_seconds, processes FROM jobs WHERE status = 'running' AND started_at + CAST(timeout_seconds * 1000 AS INTEGER) < ?",
                arguments: [now]
            )
            for row in timedOut {
                let id: String = row["id"], type: String = row["type"], limit: Double = row["timeout_seconds"]
                let error = JobError(code: "timeout", message: "the \(type) job ran past its \(Int(limit)) s limit")
                try db.execute(
                    sql: """
                        UPDATE jobs SET status = 'failed', error = ?, finished_at = ?, updated_at = ?, lease_owner = NULL, lease_token = NULL,
                            lease_expires_at = NULL
                        WHERE id = ?
                        """,
                    arguments: [try JSONCoding.encode(error), now, now, id]
                )
                reaped.append(ReapedJob(id: id, reason: "timeout", processes: row["processes"]))
            }
            let expired = try Row.fetchAll(
                db,
                sql: "SELECT id, attempts, max_attempts, processes, cancel_requested FROM jobs WHERE status = 'running' AND lease_expires_at < ?",
                arguments: [now]
            )
            for row in expired {
                let id: String = row["id"], attempts: Int = row["attempts"], maximum: Int = row["max_attempts"]
                // A cancel asked for while its worker died is honoured, not retried.
                if row["cancel_requested"] as Bool {
                    try db.execute(
                        sql: """
                            UPDATE jobs SET status = 'cancelled', finished_at = ?, updated_at = ?, lease_owner = NULL, lease_token = NULL,
                                lease_expires_at = NULL, processes = NULL, error = '{"code":"cancelled","message":"cancelled on request"}'
                            WHERE id = ?
                            """,
                        arguments: [now, now, id]
                    )
                    reaped.append(ReapedJob(id: id, reason: "cancelled", processes: row["processes"]))
                    continue
                }
                let error = JobError(code: "worker-lost", message: "the worker running attempt \(attempts) stopped renewing its lease")
                let final = attempts >= maximum
                try db.execute(
                    sql: """
                        UPDATE jobs SET status = ?, error = ?, updated_at = ?, finished_at = ?, run_after = ?,
                            lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, processes = NULL
                        WHERE id = ?
                        """,
                    arguments: [
                        final ? "failed" : "queued", try JSONCoding.encode(error), now, final ? now : nil,
                        now + Int64(min(60_000, backoffSeconds * 1000 * Double(1 << min(max(attempts - 1, 0), 10)))), id,
                    ]
                )
                reaped.append(ReapedJob(id: id, reason: final ? "worker-lost" : "requeued", processes: row["processes"]))
            }
            return reaped
        }
    }

    public func statusCounts() async throws -> [JobStatus: Int] {
        try await pool.read { db in
            var counts: [JobStatus: Int] = [:]
            for status in JobStatus.allCases { counts[status] = 0 }
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM jobs GROUP BY status") {
                if let status = JobStatus(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }

    public func addAsset(_ asset: Asset) async throws {
        try await durableWrite { db in try Self.insert(asset, createdAt: try Self.now(db), db) }
    }

    public func asset(id: String) async throws -> Asset? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM assets WHERE id = ?", arguments: [id]).map(Self.asset(from:))
        }
    }

    public func changeCounter() async throws -> Int {
        try await watcher.read { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
    }

    public func now() async throws -> Int64 {
        try await pool.read { db in try Self.now(db) }
    }

    /// Takes the write lock and gives it back: a store another process keeps locked, or a file that
    /// cannot be opened for writing, is not ready.
    public func checkReady() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs WHERE id = ''") }
        try await prober.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                try db.execute(sql: "UPDATE jobs SET id = id WHERE id = ''")
                return .rollback
            }
        }
    }

    // MARK: Notifications

    public func claimNotification(leaseSeconds: Double) async throws -> Job? {
        try await write { db in
            try Row.fetchOne(
                db,
                sql: """
                    UPDATE jobs SET notify_next_at = \(Self.nowSQL) + ?
                    WHERE id = (SELECT id FROM jobs WHERE notify_state = 'pending' AND notify_next_at <= \(Self.nowSQL)
                        ORDER BY notify_next_at LIMIT 1)
                    RETURNING *
                    """,
                arguments: [Int64(leaseSeconds * 1000)]
            ).map { try Self.job(from: $0) }
        }
    }

    public func recordNotification(jobId: String, delivered: Bool, error: String?, maxAttempts: Int, retryAfterSeconds: Double) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET notify_attempts = notify_attempts + 1, notify_error = ?,
                        notify_state = CASE WHEN ? THEN 'delivered' WHEN notify_attempts + 1 >= ? THEN 'failed' ELSE 'pending' END,
                        notify_next_at = \(Self.nowSQL) + ?
                    WHERE id = ? AND notify_state = 'pending'
                    """,
                arguments: [delivered ? nil : error, delivered, maxAttempts, Int64(max(0, retryAfterSeconds) * 1000), jobId]
            )
        }
    }

    public func hasDueNotification() async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(
                db,
                sql: "SELECT EXISTS (SELECT 1 FROM jobs WHERE notify_state = 'pending' AND notify_next_at <= \(Self.nowSQL))"
            ) ?? false
        }
    }

    public func runningLeases() async throws -> [String: String] {
        try await pool.read { db in
            var leases: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, lease_token FROM jobs WHERE status = 'running' AND lease_token IS NOT NULL") {
                leases[row["id"]] = row["lease_token"]
            }
            return leases
        }
    }
}
