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
        // Processes opening the file together (a worker and `mixdown submit`) take turns: SQLite answers
        // `PRAGMA journal_mode = WAL` with SQLITE_BUSY at once, without its busy timeout, while another
        // connection switches the mode, and two migrators would both read the schema before either commits.
        pool = try FileLock.withExclusiveLock(at: path + ".lock", waitingAtMost: busySeconds) {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
            return pool
        }
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
        try Int64.fetchOne(db, sql: JobSQL.selectNow) ?? 0
    }

    // MARK: JobStore

    public func submit(_ new: NewJob) async throws -> Job {
        let parameters = try JSONCoding.encode(new.parameters)
        return try await durableWrite { db in
            if let key = new.idempotencyKey, let existing = try Self.fetchJob(db, sql: JobSQL.jobByIdempotencyKey, [key]) {
                guard existing.recipe == new.recipe, existing.parameters == new.parameters, existing.type == new.type else {
                    throw JobStoreError.idempotencyConflict(key)
                }
                return existing
            }
            let now = try Self.now(db)
            let id = Identifier.makeOrdered(prefix: "job_", milliseconds: UInt64(clamping: now))
            try db.execute(
                sql: JobSQL.insertJob,
                arguments: [
                    id, new.type.rawValue, new.recipe, new.recipeName, parameters, new.maxAttempts, new.timeoutSeconds, new.idempotencyKey, now, now,
                    now,
                ]
            )
            guard let job = try Self.fetchJob(db, sql: JobSQL.jobById, [id]) else { throw JobStoreError.notFound(id) }
            return job
        }
    }

    public func job(id: String) async throws -> Job? {
        try await pool.read { db in try Self.fetchJob(db, sql: JobSQL.jobById, [id]) }
    }

    public func job(idempotencyKey: String) async throws -> Job? {
        try await pool.read { db in try Self.fetchJob(db, sql: JobSQL.jobByIdempotencyKey, [idempotencyKey]) }
    }

    public func status(id: String) async throws -> Job? {
        try await statusReader.read { db in
            let statement = try db.cachedStatement(sql: JobSQL.statusById)
            return try Row.fetchOne(statement, arguments: [id]).map { try $0.job(withParameters: false) }
        }
    }

    public func list(type: JobType?, status: JobStatus?, batch: String?, limit: Int, cursor: String?) async throws -> JobPage {
        let limit = max(1, min(limit, 500))
        return try await pool.read { db in
            var arguments: StatementArguments = []
            if let type { arguments += [type.rawValue] }
            if let status { arguments += [status.rawValue] }
            if let batch { arguments += [batch] }
            if let cursor { arguments += [cursor] }
            let sql = JobSQL.listJobs(type: type != nil, status: status != nil, batch: batch != nil, cursor: cursor != nil, limit: limit)
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            let jobs = try rows.prefix(limit).map { try $0.job(withParameters: false) }
            return JobPage(jobs: jobs, nextCursor: rows.count > limit ? jobs.last?.id : nil)
        }
    }

    public func submitBatch(recipeName: String, jobs: [NewJob], uploads: [Asset]) async throws -> Batch {
        guard (1...Batch.maximumJobs).contains(jobs.count) else { throw JobStoreError.badBatchSize(jobs.count) }
        let parameters = try jobs.map { try JSONCoding.encode($0.parameters) }
        return try await durableWrite { db in
            for asset in uploads { try Self.insert(asset, db) }
            let now = try Self.now(db)
            let id = Identifier.makeOrdered(prefix: "bat_", milliseconds: UInt64(clamping: now))
            try db.execute(sql: JobSQL.insertBatch, arguments: [id, recipeName, jobs.count, now])
            let insert = try db.cachedStatement(sql: JobSQL.insertBatchJob)
            for (new, parameters) in zip(jobs, parameters) {
                let jobId = Identifier.makeOrdered(prefix: "job_", milliseconds: UInt64(clamping: now))
                try insert.execute(arguments: [
                    jobId, new.type.rawValue, new.recipe, new.recipeName, parameters, new.maxAttempts, new.timeoutSeconds, nil, now, now, now,
                    id, new.batchItem,
                ])
            }
            guard let batch = try Self.fetchBatch(db, id: id) else { throw JobStoreError.notFound(id) }
            return batch
        }
    }

    public func batch(id: String) async throws -> Batch? {
        try await pool.read { db in try Self.fetchBatch(db, id: id) }
    }

    public func cancelBatch(id: String) async throws -> Batch? {
        try await durableWrite { db in
            try db.execute(sql: JobSQL.cancelBatch, arguments: [id])
            return try Self.fetchBatch(db, id: id)
        }
    }

    static func fetchBatch(_ db: Database, id: String) throws -> Batch? {
        guard var batch = try Row.fetchOne(db, sql: JobSQL.batchById, arguments: [id]).map({ try $0.batch() }) else { return nil }
        for row in try Row.fetchAll(db, sql: JobSQL.batchCounts, arguments: [id]) {
            if let status = JobStatus(rawValue: try row.string("status")) { batch.set(status, count: try row.int("n")) }
        }
        return batch
    }

    public func upload(sha256: String, bytes: Int) async throws -> Asset? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: JobSQL.uploadByContent, arguments: [sha256, bytes]).map { try $0.asset() }
        }
    }

    public func claim(owner: String, leaseSeconds: Double) async throws -> (Job, Lease)? {
        let token = Identifier.make(prefix: "lease_", milliseconds: 0)
        let leaseMilliseconds = Int64(leaseSeconds * 1000)
        let job: Job? = try await write { db in
            let statement = try db.cachedStatement(sql: JobSQL.claim)
            return try Row.fetchOne(statement, arguments: [owner, token, leaseMilliseconds]).map { try $0.job() }
        }
        return job.map { ($0, Lease(jobId: $0.id, owner: owner, token: token)) }
    }

    public func hasRunnableJob() async throws -> Bool {
        try await pool.read { db in try Bool.fetchOne(db, sql: JobSQL.hasRunnableJob) ?? false }
    }

    public func heartbeat(_ lease: Lease, leaseSeconds: Double, progress: Double?, stage: String?, processes: String?) async throws -> LeaseState {
        try await write { db in
            let statement = try db.cachedStatement(sql: JobSQL.heartbeat)
            let cancel = try Bool.fetchOne(statement, arguments: [Int64(leaseSeconds * 1000), progress, stage, processes, lease.jobId, lease.token])
            return cancel.map { LeaseState.active(cancelRequested: $0) } ?? .lost
        }
    }

    public func recordPlan(_ lease: Lease, plan: String) async throws -> LeaseState {
        try await write { db in
            let cancel = try Bool.fetchOne(db, sql: JobSQL.recordPlan, arguments: [plan, lease.jobId, lease.token])
            return cancel.map { LeaseState.active(cancelRequested: $0) } ?? .lost
        }
    }

    public func complete(_ lease: Lease, result: JobResult, assets: [Asset]) async throws -> Bool {
        let resultJSON = try JSONCoding.encode(result)
        return try await write { db in
            try db.cachedStatement(sql: JobSQL.complete).execute(arguments: [resultJSON, lease.jobId, lease.token])
            guard db.changesCount == 1 else { return false }
            for asset in assets { try Self.insert(asset, db) }
            return true
        }
    }

    public func fail(_ lease: Lease, error: JobError, retry: Bool, backoffSeconds: Double, assets: [Asset]) async throws -> Bool {
        let errorJSON = try JSONCoding.encode(error)
        return try await write { db in
            try db.execute(sql: JobSQL.fail, arguments: [retry, backoffSeconds, retry, errorJSON, lease.jobId, lease.token])
            guard db.changesCount == 1 else { return false }
            for asset in assets { try Self.insert(asset, db) }
            return true
        }
    }

    public func markCancelled(_ lease: Lease) async throws -> Bool {
        try await write { db in
            try db.execute(sql: JobSQL.markCancelled, arguments: [lease.jobId, lease.token])
            return db.changesCount == 1
        }
    }

    public func release(_ lease: Lease) async throws -> Bool {
        try await write { db in
            try db.execute(sql: JobSQL.release, arguments: [lease.jobId, lease.token])
            return db.changesCount == 1
        }
    }

    public func cancel(id: String) async throws -> Job? {
        try await durableWrite { db in
            try db.execute(sql: JobSQL.cancel, arguments: [id])
            return try Self.fetchJob(db, sql: JobSQL.jobById, [id])
        }
    }

    public func retry(id: String) async throws -> Job? {
        try await durableWrite { db in
            try db.execute(sql: JobSQL.retry, arguments: [id])
            let changed = db.changesCount == 1
            guard let job = try Self.fetchJob(db, sql: JobSQL.jobById, [id]) else { return nil }
            guard changed else { throw JobStoreError.invalidTransition(id, job.status) }
            return job
        }
    }

    public func reap(backoffSeconds: Double) async throws -> [ReapedJob] {
        try await write { db in
            let timedOut = try Row.fetchAll(db, sql: JobSQL.timedOutJobs)
            let expired = try Row.fetchAll(db, sql: JobSQL.expiredLeases)
            var reaped: [ReapedJob] = []
            for step in try ReapPlan(timedOut: timedOut, expired: expired, backoffSeconds: backoffSeconds).steps {
                switch step.update {
                case .failTimedOut(let id, let error):
                    try db.execute(sql: JobSQL.failTimedOut, arguments: [error, id])
                case .cancelExpired(let id):
                    try db.execute(sql: JobSQL.cancelExpired, arguments: [id])
                case .requeueExpired(let id, let status, let error, let final, let backoff, let attempts):
                    try db.execute(sql: JobSQL.requeueExpired, arguments: [status.rawValue, error, final, backoff, id, attempts])
                }
                // A job both timed out and expired is ended by the first step only.
                if db.changesCount == 1 { reaped.append(step.reaped) }
            }
            return reaped
        }
    }

    public func statusCounts() async throws -> [JobStatus: Int] {
        try await pool.read { db in
            var counts: [JobStatus: Int] = [:]
            for status in JobStatus.allCases { counts[status] = 0 }
            for row in try Row.fetchAll(db, sql: JobSQL.statusCounts) {
                if let status = JobStatus(rawValue: try row.string("status")) { counts[status] = try row.int("n") }
            }
            return counts
        }
    }

    public func addAsset(_ asset: Asset) async throws {
        try await durableWrite { db in try Self.insert(asset, db) }
    }

    public func asset(id: String) async throws -> Asset? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: JobSQL.assetById, arguments: [id]).map { try $0.asset() }
        }
    }

    public func recordRemoteResult(jobId: String, dispatch: String, result: String) async throws -> Bool {
        try await durableWrite { db in
            try db.execute(sql: JobSQL.recordRemoteResult, arguments: [result, jobId, dispatch])
            return db.changesCount > 0
        }
    }

    public func recordRemoteProgress(jobId: String, dispatch: String, progress: Double) async throws -> Bool {
        try await write { db in
            try db.execute(sql: JobSQL.recordRemoteProgress, arguments: [progress, jobId, dispatch])
            return db.changesCount > 0
        }
    }

    public func remoteReport(jobId: String, dispatch: String) async throws -> RemoteReport? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: JobSQL.remoteReport, arguments: [jobId, dispatch]).map {
                RemoteReport(progress: $0["progress"], result: $0["result"])
            }
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
        _ = try await pool.read { db in try Int.fetchOne(db, sql: JobSQL.readProbe) }
        try await prober.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                try db.execute(sql: JobSQL.writeProbe)
                return .rollback
            }
        }
    }

    // MARK: Notifications

    public func claimNotification(leaseSeconds: Double) async throws -> Job? {
        try await write { db in
            try Row.fetchOne(db, sql: JobSQL.claimNotification, arguments: [Int64(leaseSeconds * 1000)]).map { try $0.job() }
        }
    }

    public func recordNotification(jobId: String, delivered: Bool, error: String?, maxAttempts: Int, retryAfterSeconds: Double) async throws {
        try await write { db in
            try db.execute(
                sql: JobSQL.recordNotification,
                arguments: [delivered ? nil : error, delivered, maxAttempts, Int64(max(0, retryAfterSeconds) * 1000), jobId]
            )
        }
    }

    public func hasDueNotification() async throws -> Bool {
        try await pool.read { db in try Bool.fetchOne(db, sql: JobSQL.hasDueNotification) ?? false }
    }

    public func runningLeases() async throws -> [String: String] {
        try await pool.read { db in
            var leases: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: JobSQL.runningLeases) {
                leases[try row.string("id")] = try row.string("lease_token")
            }
            return leases
        }
    }
}
