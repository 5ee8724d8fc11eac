/// Jobs submitted together: one recipe over many inputs (`mixdown batch --submit`, `POST /v1/batches`).
/// The jobs are ordinary jobs (any worker runs them); the batch is their id, name and totals, counted
/// from the jobs themselves so they cannot drift from what the jobs say.
public struct Batch: Sendable, Hashable, Codable {
    /// `bat_` + a time-sortable, unguessable id.
    public var id: String
    public var recipeName: String
    /// How many jobs were submitted in it.
    public var total: Int
    public var queued: Int
    public var running: Int
    public var succeeded: Int
    public var failed: Int
    public var cancelled: Int
    /// Milliseconds since 1970, by the store's clock.
    public var createdAt: Int64

    public init(
        id: String,
        recipeName: String,
        total: Int,
        queued: Int = 0,
        running: Int = 0,
        succeeded: Int = 0,
        failed: Int = 0,
        cancelled: Int = 0,
        createdAt: Int64
    ) {
        self.id = id
        self.recipeName = recipeName
        self.total = total
        self.queued = queued
        self.running = running
        self.succeeded = succeeded
        self.failed = failed
        self.cancelled = cancelled
        self.createdAt = createdAt
    }

    /// Nothing left to run: every job ended.
    public var isFinished: Bool { queued == 0 && running == 0 }

    /// Sets the count of jobs in `status`.
    public mutating func set(_ status: JobStatus, count: Int) {
        switch status {
        case .queued: queued = count
        case .running: running = count
        case .succeeded: succeeded = count
        case .failed: failed = count
        case .cancelled: cancelled = count
        }
    }

    /// At most this many jobs in one batch: a submission is one transaction, and one listing of a batch's
    /// report reads them all.
    public static let maximumJobs = 10_000
    /// At most this much recipe text (and recipe names) over all the jobs of a batch: each job keeps its own copy.
    public static let maximumRecipeBytes = 64 << 20
}
