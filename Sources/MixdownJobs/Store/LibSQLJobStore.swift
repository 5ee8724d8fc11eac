internal import Foundation
import MixdownStorage
internal import Synchronization

/// The job store on a libSQL database reached over HTTP (Hrana): a local `sqld`, or Turso. It runs the
/// same SQL as ``SQLiteJobStore`` (``JobSQL``), so the two keep the same semantics.
///
/// Atomicity across HTTP requests: every request is its own stream, and each statement commits on its
/// own unless it runs in a transaction. So the claim and every write a worker makes to its job are
/// single statements (the claim is one `UPDATE ... WHERE id = (SELECT ...) RETURNING *`, fenced writes
/// are `UPDATE ... WHERE lease_token = ?`). Publishing a result with its assets, and reaping, are one
/// transaction in one request each, whose statements carry their conditions in SQL (a batch step is
/// "ok" even when its `UPDATE` matched no row). No store operation holds the write lock across round
/// trips, except the schema set-up on a first start (an interactive transaction over the baton).
///
/// Durability is the server's: a statement is acknowledged once sqld has committed it to its database
/// (WAL) and, on Turso, to its replicated log. The store cannot ask for more than that.
///
/// The schema (``JobSQL/migrations``) is applied on first use, in a transaction, and recorded in
/// `schema_migrations`; processes starting together serialize on the write lock and apply it once.
public final class LibSQLJobStore: JobStore {
    /// The URL the store was built from, without credentials.
    public let url: String
    let client: HranaClient
    let changes: LibSQLChangeFeed
    let busyTimeout: Duration
    /// The first use runs the migrations; a failed run is tried again on the next call.
    private let schema = Mutex<Task<Void, any Error>?>(nil)

    /// - Parameters:
    ///   - url: `libsql://HOST` (TLS, as Turso gives it), `https://HOST[:PORT]` or `http://HOST:PORT` (a local
    ///     sqld). An `authToken` query item is taken as the token when `authToken` is nil.
    ///   - authToken: sent as `Authorization: Bearer`; sqld without authentication needs none.
    ///   - requestTimeoutSeconds: how long one HTTP request may take, waiting for the write lock included.
    ///   - busySeconds: how long a write keeps trying while sqld answers `SQLITE_BUSY` (another connection held
    ///     the write lock past sqld's own wait), like SQLite's busy timeout.
    ///   - changePollSeconds: how often, at most, the change counter asks the server whether another process
    ///     committed: the upper bound on how late a worker elsewhere notices a new job.
    public init(
        url: String,
        authToken: String? = nil,
        requestTimeoutSeconds: Double = 30,
        busySeconds: Double = 30,
        changePollSeconds: Double = 0.25
    ) throws {
        let (base, tokenInURL) = try Self.endpoint(url)
        self.url = base
        client = HranaClient(baseURL: base, authToken: authToken ?? tokenInURL, requestTimeoutSeconds: requestTimeoutSeconds)
        busyTimeout = .milliseconds(Self.milliseconds(min(max(busySeconds, 0), 3600)))
        let poll = min(max(changePollSeconds.isFinite ? changePollSeconds : 0.25, 0.01), 60)
        changes = LibSQLChangeFeed.shared(for: base, pollInterval: .milliseconds(Int64(poll * 1000)))
    }

    /// Whether a store setting names a libSQL server: `libsql://`, `https://` or `http://`.
    public static func accepts(_ store: String) -> Bool {
        let lowercased = store.lowercased()
        return ["libsql://", "https://", "http://"].contains { lowercased.hasPrefix($0) }
    }

    /// The HTTP base URL for a configured URL, and an `authToken` query item if it carries one.
    static func endpoint(_ text: String) throws -> (base: String, token: String?) {
        guard var components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { throw HranaError(code: "BAD_URL", message: "\(text): expected libsql://HOST, https://HOST or http://HOST:PORT") }
        switch scheme {
        case "libsql", "https", "wss": components.scheme = "https"
        case "http", "ws": components.scheme = "http"
        default: throw HranaError(code: "BAD_URL", message: "\(text): the scheme must be libsql, https or http")
        }
        let token = components.queryItems?.first { $0.name == "authToken" }?.value
        components.query = nil
        components.fragment = nil
        components.user = nil
        components.password = nil
        guard var base = components.string else { throw HranaError(code: "BAD_URL", message: "\(text) is not a URL") }
        while base.hasSuffix("/") { base.removeLast() }
        return (base, token)
    }

    // MARK: Plumbing

    /// Applies the schema once per store before its first statement.
    private func ready() async throws {
        let task = schema.withLock { current in
            if let current { return current }
            let client = client
            let task = Task { try await self.retryingWhenBusy { try await Self.migrate(client) } }
            current = task
            return task
        }
        do {
            try await task.value
        } catch {
            schema.withLock { current in if current == task { current = nil } }
            throw error
        }
    }

    /// Runs `body` again while sqld answers `SQLITE_BUSY`, for up to `busyTimeout`. Safe for writes: a
    /// busy statement did nothing, and a busy step in a transaction's request rolled the whole request back.
    private func retryingWhenBusy<T>(_ body: () async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + busyTimeout
        var pause = Duration.milliseconds(5)
        while true {
            do {
                return try await body()
            } catch let error as HranaError where error.isBusy && ContinuousClock.now + pause < deadline {
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(200))
            }
        }
    }

    /// Runs statements that only read (retried on a connection failure).
    private func read(_ statement: HranaStatement) async throws -> HranaResult {
        try await ready()
        return try await client.execute(statement, idempotent: true)
    }

    /// Runs one writing statement, on its own; a change wakes this process's waiters at once.
    private func write(_ statement: HranaStatement) async throws -> HranaResult {
        try await ready()
        let result = try await retryingWhenBusy { try await client.execute(statement) }
        if result.affectedRowCount > 0 { changes.noteCommit() }
        return result
    }

    private func job(_ sql: String, _ argument: String) async throws -> Job? {
        try await read(HranaStatement(sql, [argument])).firstRow?.job()
    }

    /// Milliseconds for a duration in seconds, bounded so the conversion cannot trap.
    static func milliseconds(_ seconds: Double) -> Int64 {
        guard seconds.isFinite else { return seconds > 0 ? 1 << 50 : 0 }
        return Int64(min(max(seconds * 1000, -1e15), 1e15))
    }

    // MARK: JobStore

    public func submit(_ new: NewJob) async throws -> Job {
        let parameters = try JSONCoding.encode(new.parameters)
        try await ready()
        return try await retryingWhenBusy { try await insert(new, parameters: parameters) }
    }

    private func insert(_ new: NewJob, parameters: String) async throws -> Job {
        // The id is made from the store clock, so ids sort by submission across machines.
        var lookups = [HranaStatement(JobSQL.selectNow)]
        if let key = new.idempotencyKey { lookups.append(HranaStatement(JobSQL.jobByIdempotencyKey, [key])) }
        let found = try await client.execute(lookups, idempotent: true)
        if found.count > 1, let existing = try found[1].get().firstRow?.job() { return try Self.same(existing, as: new) }
        guard case .integer(let now) = try found[0].get().rows.first?.first else { throw HranaError.badResponse("no store time") }
        let id = Identifier.makeOrdered(prefix: "job_", milliseconds: UInt64(clamping: now))
        let insert = HranaStatement(
            JobSQL.insertJob,
            [id, new.type.rawValue, new.recipe, new.recipeName, parameters, new.maxAttempts, new.timeoutSeconds, new.idempotencyKey, now, now, now]
        )
        let results = try await client.execute([insert, HranaStatement(JobSQL.jobById, [id])])
        guard results.count == 2 else { throw HranaError.badResponse("\(results.count) results") }
        switch results[0] {
        case .success:
            changes.noteCommit()
            guard let job = try results[1].get().firstRow?.job() else { throw JobStoreError.notFound(id) }
            return job
        case .failure(let error):
            // Another submission with the same key committed between the lookup and the insert.
            if error.isConstraintViolation, let key = new.idempotencyKey, let existing = try await job(JobSQL.jobByIdempotencyKey, key) {
                return try Self.same(existing, as: new)
            }
            throw error
        }
    }

    /// The job an idempotency key already names, if it was made from the same request.
    private static func same(_ existing: Job, as new: NewJob) throws -> Job {
        guard existing.recipe == new.recipe, existing.parameters == new.parameters, existing.type == new.type else {
            throw JobStoreError.idempotencyConflict(new.idempotencyKey ?? "")
        }
        return existing
    }

    public func job(id: String) async throws -> Job? {
        try await job(JobSQL.jobById, id)
    }

    public func job(idempotencyKey: String) async throws -> Job? {
        try await job(JobSQL.jobByIdempotencyKey, idempotencyKey)
    }

    public func status(id: String) async throws -> Job? {
        try await read(HranaStatement(JobSQL.statusById, [id])).firstRow?.job(withParameters: false)
    }

    public func list(type: JobType?, status: JobStatus?, batch: String?, limit: Int, cursor: String?) async throws -> JobPage {
        let limit = max(1, min(limit, 500))
        var arguments: [any HranaArgument] = []
        if let type { arguments.append(type.rawValue) }
        if let status { arguments.append(status.rawValue) }
        if let batch { arguments.append(batch) }
        if let cursor { arguments.append(cursor) }
        let sql = JobSQL.listJobs(type: type != nil, status: status != nil, batch: batch != nil, cursor: cursor != nil, limit: limit)
        let rows = try await read(HranaStatement(sql, arguments)).namedRows
        let jobs = try rows.prefix(limit).map { try $0.job(withParameters: false) }
        return JobPage(jobs: jobs, nextCursor: rows.count > limit ? jobs.last?.id : nil)
    }

    public func submitBatch(recipeName: String, jobs: [NewJob], uploads: [Asset]) async throws -> Batch {
        guard (1...Batch.maximumJobs).contains(jobs.count) else { throw JobStoreError.badBatchSize(jobs.count) }
        let parameters = try jobs.map { try JSONCoding.encode($0.parameters) }
        try await ready()
        // Ids come from the store clock, read first, so they sort with other machines' jobs.
        guard case .integer(let now) = try await client.execute(HranaStatement(JobSQL.selectNow), idempotent: true).rows.first?.first else {
            throw HranaError.badResponse("no store time")
        }
        let id = Identifier.makeOrdered(prefix: "bat_", milliseconds: UInt64(clamping: now))
        var statements = uploads.map(Self.insert) + [HranaStatement(JobSQL.insertBatch, [id, recipeName, jobs.count, now])]
        for (new, parameters) in zip(jobs, parameters) {
            let jobId = Identifier.makeOrdered(prefix: "job_", milliseconds: UInt64(clamping: now))
            statements.append(
                HranaStatement(
                    JobSQL.insertBatchJob,
                    [
                        jobId, new.type.rawValue, new.recipe, new.recipeName, parameters, new.maxAttempts, new.timeoutSeconds, nil as String?,
                        now, now, now, id, new.batchItem,
                    ]
                )
            )
        }
        // One transaction over as many requests as it takes: each request stays well under the server's
        // size limit, and nothing commits until the last one.
        try await retryingWhenBusy {
            try await client.transaction { stream in
                var rest = statements[...]
                while rest.count > 200 {
                    _ = try await stream.batch(Array(rest.prefix(200)))
                    rest = rest.dropFirst(200)
                }
                _ = try await stream.commit(Array(rest))
            }
        }
        changes.noteCommit()
        guard let batch = try await batch(id: id) else { throw JobStoreError.notFound(id) }
        return batch
    }

    public func batch(id: String) async throws -> Batch? {
        try await ready()
        let results = try await client.execute(
            [HranaStatement(JobSQL.batchById, [id]), HranaStatement(JobSQL.batchCounts, [id])],
            idempotent: true
        )
        guard results.count == 2, var batch = try results[0].get().firstRow?.batch() else { return nil }
        for row in try results[1].get().namedRows {
            if let status = JobStatus(rawValue: try row.string("status")) { batch.set(status, count: try row.int("n")) }
        }
        return batch
    }

    public func cancelBatch(id: String) async throws -> Batch? {
        _ = try await write(HranaStatement(JobSQL.cancelBatch, [id]))
        return try await batch(id: id)
    }

    public func upload(sha256: String, bytes: Int) async throws -> Asset? {
        try await read(HranaStatement(JobSQL.uploadByContent, [sha256, bytes])).firstRow?.asset()
    }

    public func claim(owner: String, leaseSeconds: Double) async throws -> (Job, Lease)? {
        let token = Identifier.make(prefix: "lease_", milliseconds: 0)
        let result = try await write(HranaStatement(JobSQL.claim, [owner, token, Self.milliseconds(leaseSeconds)]))
        return try result.firstRow.map { row in
            let job = try row.job()
            return (job, Lease(jobId: job.id, owner: owner, token: token))
        }
    }

    public func hasRunnableJob() async throws -> Bool {
        try await read(HranaStatement(JobSQL.hasRunnableJob)).rows.first?.first == .integer(1)
    }

    public func heartbeat(_ lease: Lease, leaseSeconds: Double, progress: Double?, stage: String?, processes: String?) async throws -> LeaseState {
        let statement = HranaStatement(
            JobSQL.heartbeat,
            [Self.milliseconds(leaseSeconds), progress, stage, processes, lease.jobId, lease.token]
        )
        return try Self.leaseState(try await write(statement))
    }

    public func recordPlan(_ lease: Lease, plan: String) async throws -> LeaseState {
        try Self.leaseState(try await write(HranaStatement(JobSQL.recordPlan, [plan, lease.jobId, lease.token])))
    }

    /// The answer of a fenced write `RETURNING cancel_requested`: no row means the lease is gone.
    private static func leaseState(_ result: HranaResult) throws -> LeaseState {
        guard let row = result.firstRow else { return .lost }
        return .active(cancelRequested: try row.bool("cancel_requested"))
    }

    /// One request either way. With assets, one transaction: each asset row is inserted only while the
    /// lease holds, then the fenced update; under `BEGIN IMMEDIATE` nothing can take the lease in between,
    /// so the rows exist exactly when the update matched. (A batch step is "ok" even when its `UPDATE`
    /// matched no row, so the condition is in the data, not in the batch.) No lock is held across round
    /// trips, so concurrent workers in one process cannot starve the holder of a connection.
    public func complete(_ lease: Lease, result: JobResult, assets: [Asset]) async throws -> Bool {
        let update = HranaStatement(JobSQL.complete, [try JSONCoding.encode(result), lease.jobId, lease.token])
        guard !assets.isEmpty else { return try await write(update).affectedRowCount == 1 }
        return try await publish(assets, with: update, lease: lease)
    }

    /// The asset rows, each only while the lease holds, then the fenced `update`, in one transaction.
    private func publish(_ assets: [Asset], with update: HranaStatement, lease: Lease) async throws -> Bool {
        try await ready()
        let inserts = assets.map { asset in
            HranaStatement(
                JobSQL.insertAssetWhileLeased,
                [
                    asset.id, asset.key.rawValue, asset.name, asset.contentType, asset.bytes, asset.durationSeconds, asset.sha256, asset.jobId,
                    lease.jobId, lease.token,
                ]
            )
        }
        let published: Bool = try await retryingWhenBusy {
            try await client.transaction { stream in try await stream.commit(inserts + [update]).last?.affectedRowCount == 1 }
        }
        if published { changes.noteCommit() }
        return published
    }

    private static func insert(_ asset: Asset) -> HranaStatement {
        HranaStatement(
            JobSQL.insertAsset,
            [asset.id, asset.key.rawValue, asset.name, asset.contentType, asset.bytes, asset.durationSeconds, asset.sha256, asset.jobId]
        )
    }

    public func fail(_ lease: Lease, error: JobError, retry: Bool, backoffSeconds: Double, assets: [Asset]) async throws -> Bool {
        let errorJSON = try JSONCoding.encode(error)
        let backoff = backoffSeconds.isFinite ? min(max(backoffSeconds, 0), 1e6) : 60
        let update = HranaStatement(JobSQL.fail, [retry, backoff, retry, errorJSON, lease.jobId, lease.token])
        guard !assets.isEmpty else { return try await write(update).affectedRowCount == 1 }
        return try await publish(assets, with: update, lease: lease)
    }

    public func markCancelled(_ lease: Lease) async throws -> Bool {
        try await write(HranaStatement(JobSQL.markCancelled, [lease.jobId, lease.token])).affectedRowCount == 1
    }

    public func release(_ lease: Lease) async throws -> Bool {
        try await write(HranaStatement(JobSQL.release, [lease.jobId, lease.token])).affectedRowCount == 1
    }

    /// One statement decides from the job's current status; the job is read back after it (in the same
    /// request) to show what the notification trigger wrote.
    public func cancel(id: String) async throws -> Job? {
        try await writeThenRead(HranaStatement(JobSQL.cancel, [id]), id: id).job
    }

    public func retry(id: String) async throws -> Job? {
        let (changed, job) = try await writeThenRead(HranaStatement(JobSQL.retry, [id]), id: id)
        guard let job else { return nil }
        guard changed else { throw JobStoreError.invalidTransition(id, job.status) }
        return job
    }

    /// Runs a write on job `id`, then reads the job, in one request; whether the write changed it.
    private func writeThenRead(_ statement: HranaStatement, id: String) async throws -> (changed: Bool, job: Job?) {
        try await ready()
        let results = try await retryingWhenBusy {
            let results = try await client.execute([statement, HranaStatement(JobSQL.jobById, [id])])
            // A busy write is thrown here, so the pair runs again.
            if case .failure(let error) = results.first, error.isBusy { throw error }
            return results
        }
        guard results.count == 2 else { throw HranaError.badResponse("\(results.count) results") }
        let changed = try results[0].get().affectedRowCount > 0
        if changed { changes.noteCommit() }
        return (changed, try results[1].get().firstRow?.job())
    }

    /// Reads without a lock what is due (usually nothing), then writes every step in one transaction in
    /// one request; each update repeats its row's condition, so a job a heartbeat saved in between is left
    /// alone, and only the steps that changed a row are reported.
    public func reap(backoffSeconds: Double) async throws -> [ReapedJob] {
        try await ready()
        let due = try await client.execute([HranaStatement(JobSQL.timedOutJobs), HranaStatement(JobSQL.expiredLeases)], idempotent: true)
        guard due.count == 2 else { throw HranaError.badResponse("\(due.count) results") }
        let plan = try ReapPlan(timedOut: try due[0].get().namedRows, expired: try due[1].get().namedRows, backoffSeconds: backoffSeconds)
        guard !plan.steps.isEmpty else { return [] }
        let updates = plan.steps.map { step in
            switch step.update {
            case .failTimedOut(let id, let error):
                HranaStatement(JobSQL.failTimedOut, [error, id])
            case .cancelExpired(let id):
                HranaStatement(JobSQL.cancelExpired, [id])
            case .requeueExpired(let id, let status, let error, let final, let backoff, let attempts):
                HranaStatement(JobSQL.requeueExpired, [status.rawValue, error, final, backoff, id, attempts])
            }
        }
        let results = try await retryingWhenBusy { try await client.transaction { stream in try await stream.commit(updates) } }
        let reaped = zip(plan.steps, results).filter { $0.1.affectedRowCount == 1 }.map(\.0.reaped)
        if !reaped.isEmpty { changes.noteCommit() }
        return reaped
    }

    public func statusCounts() async throws -> [JobStatus: Int] {
        var counts: [JobStatus: Int] = [:]
        for status in JobStatus.allCases { counts[status] = 0 }
        for row in try await read(HranaStatement(JobSQL.statusCounts)).namedRows {
            if let status = JobStatus(rawValue: try row.string("status")) { counts[status] = try row.int("n") }
        }
        return counts
    }

    public func addAsset(_ asset: Asset) async throws {
        _ = try await write(Self.insert(asset))
    }

    public func asset(id: String) async throws -> Asset? {
        try await read(HranaStatement(JobSQL.assetById, [id])).firstRow?.asset()
    }

    public func recordRemoteResult(jobId: String, dispatch: String, result: String) async throws -> Bool {
        try await write(HranaStatement(JobSQL.recordRemoteResult, [result, jobId, dispatch])).affectedRowCount > 0
    }

    public func recordRemoteProgress(jobId: String, dispatch: String, progress: Double) async throws -> Bool {
        try await write(HranaStatement(JobSQL.recordRemoteProgress, [progress, jobId, dispatch])).affectedRowCount > 0
    }

    public func remoteReport(jobId: String, dispatch: String) async throws -> RemoteReport? {
        guard let row = try await read(HranaStatement(JobSQL.remoteReport, [jobId, dispatch])).firstRow else { return nil }
        return RemoteReport(progress: try row.optionalDouble("progress"), result: try row.optionalString("result"))
    }

    public func changeCounter() async throws -> Int {
        try await changes.counter {
            let result = try await client.execute(HranaStatement("SELECT 1"), idempotent: true)
            if let index = result.replicationIndex {
                return Int(index) ?? index.hashValue
            }
            // A server that does not report its log position: the queue's shape stands in for it.
            let marker = try await read(HranaStatement(JobSQL.changeMarker))
            return marker.rows.first.map { "\($0)".hashValue } ?? 0
        }
    }

    public func now() async throws -> Int64 {
        guard case .integer(let now) = try await read(HranaStatement(JobSQL.selectNow)).rows.first?.first else {
            throw HranaError.badResponse("no store time")
        }
        return now
    }

    /// Takes the write lock and gives it back, within a few seconds: a server that cannot be reached, a
    /// token it refuses, a read-only replica, or a database another connection keeps locked, is not ready.
    public func checkReady() async throws {
        try await ready()
        let prober = client.withTimeout(seconds: 5)
        let results = try await prober.execute([
            HranaStatement("BEGIN IMMEDIATE"), HranaStatement(JobSQL.writeProbe), HranaStatement("ROLLBACK"),
        ])
        for result in results { _ = try result.get() }
    }

    // MARK: Notifications

    public func claimNotification(leaseSeconds: Double) async throws -> Job? {
        try await write(HranaStatement(JobSQL.claimNotification, [Self.milliseconds(leaseSeconds)])).firstRow?.job()
    }

    public func recordNotification(jobId: String, delivered: Bool, error: String?, maxAttempts: Int, retryAfterSeconds: Double) async throws {
        _ = try await write(
            HranaStatement(
                JobSQL.recordNotification,
                [delivered ? nil : error, delivered, maxAttempts, Self.milliseconds(max(0, retryAfterSeconds)), jobId]
            )
        )
    }

    public func hasDueNotification() async throws -> Bool {
        try await read(HranaStatement(JobSQL.hasDueNotification)).rows.first?.first == .integer(1)
    }

    public func runningLeases() async throws -> [String: String] {
        var leases: [String: String] = [:]
        for row in try await read(HranaStatement(JobSQL.runningLeases)).namedRows {
            leases[try row.string("id")] = try row.string("lease_token")
        }
        return leases
    }
}
