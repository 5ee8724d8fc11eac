/// A job record: the one shape the store keeps and every entry point (CLI, worker, HTTP) shows.
public struct Job: Sendable, Hashable, Codable {
    /// `job_` + a time-sortable, unguessable id.
    public var id: String
    public var type: JobType
    public var status: JobStatus
    /// 0...1.
    public var progress: Double
    public var stage: String?
    /// The recipe document as submitted.
    public var recipe: String
    /// The name the recipe was submitted under, for messages (`file:line:column`).
    public var recipeName: String
    public var parameters: JobParameters
    /// The plan as JSON, once a worker made it.
    public var plan: String?
    public var attempts: Int
    public var maxAttempts: Int
    /// Seconds a run may take: the job type's limit when it was submitted.
    public var timeoutSeconds: Double
    public var leaseOwner: String?
    public var leaseExpiresAt: Int64?
    public var cancelRequested: Bool
    public var idempotencyKey: String?
    public var error: JobError?
    public var result: JobResult?
    /// Milliseconds since 1970, by the store's clock.
    public var createdAt: Int64
    public var updatedAt: Int64
    public var startedAt: Int64?
    public var finishedAt: Int64?
    /// The delivery of the job's end to its `notifyUrl`, once the job ended; nil without a `notifyUrl`.
    public var notification: NotificationState?
    /// The batch the job was submitted in, if any (``Batch``).
    public var batchId: String?
    /// The job's name within its batch: the run's folder under `--out`, its line in a report.
    public var batchItem: String?

    public init(
        id: String,
        type: JobType,
        status: JobStatus,
        progress: Double = 0,
        stage: String? = nil,
        recipe: String,
        recipeName: String,
        parameters: JobParameters,
        plan: String? = nil,
        attempts: Int = 0,
        maxAttempts: Int,
        timeoutSeconds: Double,
        leaseOwner: String? = nil,
        leaseExpiresAt: Int64? = nil,
        cancelRequested: Bool = false,
        idempotencyKey: String? = nil,
        error: JobError? = nil,
        result: JobResult? = nil,
        createdAt: Int64 = 0,
        updatedAt: Int64 = 0,
        startedAt: Int64? = nil,
        finishedAt: Int64? = nil,
        notification: NotificationState? = nil,
        batchId: String? = nil,
        batchItem: String? = nil
    ) {
        self.id = id
        self.type = type
        self.status = status
        self.progress = progress
        self.stage = stage
        self.recipe = recipe
        self.recipeName = recipeName
        self.parameters = parameters
        self.plan = plan
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.timeoutSeconds = timeoutSeconds
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.cancelRequested = cancelRequested
        self.idempotencyKey = idempotencyKey
        self.error = error
        self.result = result
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.notification = notification
        self.batchId = batchId
        self.batchItem = batchItem
    }
}

/// A job to create.
public struct NewJob: Sendable, Hashable {
    public var type: JobType
    public var recipe: String
    public var recipeName: String
    public var parameters: JobParameters
    public var idempotencyKey: String?
    public var maxAttempts: Int
    public var timeoutSeconds: Double
    /// The job's name within its batch, when submitted with ``JobStore/submitBatch(recipeName:jobs:)``.
    public var batchItem: String?

    public init(
        type: JobType,
        recipe: String,
        recipeName: String,
        parameters: JobParameters,
        idempotencyKey: String? = nil,
        maxAttempts: Int,
        timeoutSeconds: Double,
        batchItem: String? = nil
    ) {
        self.type = type
        self.recipe = recipe
        self.recipeName = recipeName
        self.parameters = parameters
        self.idempotencyKey = idempotencyKey
        self.maxAttempts = maxAttempts
        self.timeoutSeconds = timeoutSeconds
        self.batchItem = batchItem
    }
}

/// A worker's hold on a running job. Every write it makes is fenced by `token`: once the lease is
/// lost (expired and taken over, or the job ended), the writes change nothing.
public struct Lease: Sendable, Hashable {
    public var jobId: String
    public var owner: String
    public var token: String

    public init(jobId: String, owner: String, token: String) {
        self.jobId = jobId
        self.owner = owner
        self.token = token
    }
}

/// What a lease renewal tells the worker.
public enum LeaseState: Sendable, Hashable {
    case active(cancelRequested: Bool)
    /// The job is no longer this worker's: stop and write nothing more.
    case lost
}

/// A page of a listing; `nextCursor` fetches the next one.
public struct JobPage: Sendable, Hashable, Codable {
    public var jobs: [Job]
    public var nextCursor: String?

    public init(jobs: [Job], nextCursor: String?) {
        self.jobs = jobs
        self.nextCursor = nextCursor
    }
}
