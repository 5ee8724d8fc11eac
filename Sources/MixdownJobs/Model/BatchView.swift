/// A batch as the CLI's `--json` and the HTTP API show it: totals by status, times as ISO 8601.
public struct BatchView: Sendable, Hashable, Codable {
    public var id: String
    public var recipeName: String
    public var total: Int
    public var queued: Int
    public var running: Int
    public var succeeded: Int
    public var failed: Int
    public var cancelled: Int
    /// Every job ended.
    public var finished: Bool
    public var createdAt: String

    public init(_ batch: Batch) {
        id = batch.id
        recipeName = batch.recipeName
        total = batch.total
        queued = batch.queued
        running = batch.running
        succeeded = batch.succeeded
        failed = batch.failed
        cancelled = batch.cancelled
        finished = batch.isFinished
        createdAt = JobView.iso(batch.createdAt)
    }
}
