internal import Foundation

/// A job as the CLI's `--json` and the HTTP API show it: the same fields everywhere, with times as
/// ISO 8601 and without the worker's internals (lease token, recipe text).
public struct JobView: Sendable, Hashable, Codable {
    public var id: String
    public var type: JobType
    public var status: JobStatus
    public var progress: Double
    public var stage: String?
    public var attempts: Int
    public var maxAttempts: Int
    public var cancelRequested: Bool
    public var recipeName: String
    public var error: JobError?
    public var result: JobResult?
    public var createdAt: String
    public var updatedAt: String
    public var startedAt: String?
    public var finishedAt: String?

    public init(_ job: Job) {
        id = job.id
        type = job.type
        status = job.status
        progress = job.progress
        stage = job.stage
        attempts = job.attempts
        maxAttempts = job.maxAttempts
        cancelRequested = job.cancelRequested
        recipeName = job.recipeName
        error = job.error
        result = job.result
        createdAt = Self.iso(job.createdAt)
        updatedAt = Self.iso(job.updatedAt)
        startedAt = job.startedAt.map(Self.iso)
        finishedAt = job.finishedAt.map(Self.iso)
    }

    public static func iso(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
