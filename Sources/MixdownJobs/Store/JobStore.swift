import MixdownStorage

/// The one place jobs and assets live. Every entry point gets it from ``MixdownServices`` (the
/// factory); there is no other store and no in-memory job map.
///
/// Times are the store's clock, never a worker's. Writes a worker makes to a running job take its
/// ``Lease`` and change nothing once the lease is lost.
public protocol JobStore: Sendable {
    /// Creates a job, durably, before returning. The same idempotency key with the same document and
    /// parameters returns the existing job; with different ones it throws ``JobStoreError/idempotencyConflict``.
    func submit(_ job: NewJob) async throws -> Job
    func job(id: String) async throws -> Job?
    /// The job submitted with this idempotency key, if any.
    func job(idempotencyKey: String) async throws -> Job?
    /// The job for status reads: everything but the recipe document, `parameters` and `plan` (left empty),
    /// the costly columns to read and decode, which status readers do not show.
    func status(id: String) async throws -> Job?
    /// Newest first, as ``status(id:)`` reads them (no recipe, parameters or plan); `cursor` is the last
    /// id of the previous page; `batch` keeps one batch's jobs.
    func list(type: JobType?, status: JobStatus?, batch: String?, limit: Int, cursor: String?) async throws -> JobPage

    /// Creates a batch and its jobs (each ``NewJob/batchItem`` names one) in one transaction, durably,
    /// with the records of the uploads they read (already in storage): all of them or none. Idempotency
    /// keys of the jobs are ignored. At most ``Batch/maximumJobs``.
    func submitBatch(recipeName: String, jobs: [NewJob], uploads: [Asset]) async throws -> Batch
    /// The batch with its totals, counted from its jobs now.
    func batch(id: String) async throws -> Batch?
    /// Cancels every job of the batch that has not ended (queued ones at once, running ones through
    /// their workers); the batch as it is after that.
    func cancelBatch(id: String) async throws -> Batch?
    /// The oldest upload (an asset no job made) with these bytes, so the same file is stored once.
    func upload(sha256: String, bytes: Int) async throws -> Asset?

    /// Takes the oldest runnable queued job for `owner`, with a lease of `leaseSeconds`.
    func claim(owner: String, leaseSeconds: Double) async throws -> (Job, Lease)?
    /// Whether a claim could succeed now: a read, for idle workers woken by unrelated commits.
    func hasRunnableJob() async throws -> Bool
    /// Extends the lease and records progress in one write; the reply carries any cancel request.
    func heartbeat(_ lease: Lease, leaseSeconds: Double, progress: Double?, stage: String?, processes: String?) async throws -> LeaseState
    func recordPlan(_ lease: Lease, plan: String) async throws -> LeaseState
    /// Publishes the result and its assets in one transaction; false when the lease was lost.
    func complete(_ lease: Lease, result: JobResult, assets: [Asset]) async throws -> Bool
    /// Ends the attempt with an error; with `retry` and attempts left the job is queued again after a backoff.
    /// `assets` (rejected outputs kept to listen to) are recorded in the same transaction, only while
    /// the lease holds, as ``complete(_:result:assets:)`` records a result's.
    func fail(_ lease: Lease, error: JobError, retry: Bool, backoffSeconds: Double, assets: [Asset]) async throws -> Bool
    /// Records a cancel the worker carried out.
    func markCancelled(_ lease: Lease) async throws -> Bool
    /// Hands a job back to the queue (graceful shutdown), not counting the attempt.
    func release(_ lease: Lease) async throws -> Bool

    /// Cancels: a queued job ends at once; a running one is flagged for its worker.
    func cancel(id: String) async throws -> Job?
    /// Queues a failed or cancelled job again with fresh attempts.
    func retry(id: String) async throws -> Job?

    /// Ends running jobs past their own type's timeout, and requeues (or fails, without attempts left)
    /// jobs whose lease expired. Returns the ids it touched, with the processes recorded for each.
    func reap(backoffSeconds: Double) async throws -> [ReapedJob]

    /// How many jobs are in each status, for metrics.
    func statusCounts() async throws -> [JobStatus: Int]

    func addAsset(_ asset: Asset) async throws
    func asset(id: String) async throws -> Asset?

    /// Takes the oldest due `notifyUrl` delivery for `leaseSeconds` (no other worker sees it meanwhile);
    /// the job as it ended, or nil when none is due.
    func claimNotification(leaseSeconds: Double) async throws -> Job?
    /// Records one delivery attempt: delivered, or failed and tried again after `retryAfterSeconds`
    /// until `maxAttempts` attempts were made.
    func recordNotification(jobId: String, delivered: Bool, error: String?, maxAttempts: Int, retryAfterSeconds: Double) async throws
    /// Whether a delivery is due now (a worker told to exit when idle waits for those).
    func hasDueNotification() async throws -> Bool
    /// Running jobs and their lease tokens, to tell a live job's work folder from a dead one's.
    func runningLeases() async throws -> [String: String]

    /// Records what a remote render service reported at the end of a dispatch (a ``RenderCallback`` as
    /// JSON, checked by the webhook), once. `dispatch` is the dispatching lease's token: a report reaches
    /// only the run that sent the dispatch, never a later one. True when recorded; false when that run no
    /// longer holds the job, the job is being cancelled, or the result is already in (a repeated callback).
    func recordRemoteResult(jobId: String, dispatch: String, result: String) async throws -> Bool
    /// Records a remote render's progress (0...1) for `dispatch`; false when it no longer applies.
    func recordRemoteProgress(jobId: String, dispatch: String, progress: Double) async throws -> Bool
    /// What was reported for `dispatch` so far; nil before any report.
    func remoteReport(jobId: String, dispatch: String) async throws -> RemoteReport?

    /// A cheap value that changes when another connection commits, for waking workers without reading the jobs table.
    func changeCounter() async throws -> Int
    /// The store clock, milliseconds since 1970.
    func now() async throws -> Int64
    /// Throws unless the store can be read and written now.
    func checkReady() async throws
}

/// What a remote render service reported for one dispatch of a job.
public struct RemoteReport: Sendable, Hashable {
    public var progress: Double?
    /// The ``RenderCallback`` that ended the render, as JSON.
    public var result: String?

    public init(progress: Double?, result: String?) {
        self.progress = progress
        self.result = result
    }
}

/// A job the reaper ended or requeued, with the processes its lost worker left (`host:pgid ...`).
public struct ReapedJob: Sendable, Hashable {
    public var id: String
    public var reason: String
    public var processes: String?

    public init(id: String, reason: String, processes: String?) {
        self.id = id
        self.reason = reason
        self.processes = processes
    }
}

extension JobStore {
    /// A batch whose jobs read no new uploads.
    public func submitBatch(recipeName: String, jobs: [NewJob]) async throws -> Batch {
        try await submitBatch(recipeName: recipeName, jobs: jobs, uploads: [])
    }

    /// Newest first, of every batch.
    public func list(type: JobType?, status: JobStatus?, limit: Int, cursor: String?) async throws -> JobPage {
        try await list(type: type, status: status, batch: nil, limit: limit, cursor: cursor)
    }

    /// Ends the attempt with an error that leaves no assets.
    public func fail(_ lease: Lease, error: JobError, retry: Bool, backoffSeconds: Double) async throws -> Bool {
        try await fail(lease, error: error, retry: retry, backoffSeconds: backoffSeconds, assets: [])
    }
}

public enum JobStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case idempotencyConflict(String)
    /// A batch with no jobs, or more than ``Batch/maximumJobs``.
    case badBatchSize(Int)
    /// A batch whose recipe text over all its jobs is past ``Batch/maximumRecipeBytes``.
    case batchTooLarge(Int)
    case notFound(String)
    case invalidTransition(String, JobStatus)

    public var description: String {
        switch self {
        case .idempotencyConflict(let key): "Idempotency-Key '\(key)' was used for a different request"
        case .badBatchSize(let count): "a batch holds 1 to \(Batch.maximumJobs) jobs, not \(count)"
        case .batchTooLarge(let bytes):
            "a batch's jobs hold at most \(Batch.maximumRecipeBytes >> 20) MiB of recipe text in all (each its own copy), not \(bytes) bytes"
        case .notFound(let id): "no job \(id)"
        case .invalidTransition(let id, let status): "job \(id) is \(status.rawValue)"
        }
    }
}
