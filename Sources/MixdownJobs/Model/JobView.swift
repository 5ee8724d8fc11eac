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
    public var notification: NotificationState?
    public var batchId: String?
    public var batchItem: String?

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
        notification = job.notification
        batchId = job.batchId
        batchItem = job.batchItem
    }

    /// `2026-11-26T00:22:18.456Z`. Formatted by hand: a date formatter per call cost more than the
    /// database read on the status route.
    public static func iso(_ milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var bytes = [UInt8](repeating: 0, count: 24)
        func put(_ value: Int32, _ width: Int, at offset: Int) {
            var value = value
            for index in stride(from: offset + width - 1, through: offset, by: -1) {
                bytes[index] = UInt8(48 + value % 10)
                value /= 10
            }
        }
        put(parts.tm_year + 1900, 4, at: 0)
        put(parts.tm_mon + 1, 2, at: 5)
        put(parts.tm_mday, 2, at: 8)
        put(parts.tm_hour, 2, at: 11)
        put(parts.tm_min, 2, at: 14)
        put(parts.tm_sec, 2, at: 17)
        put(Int32(milliseconds % 1000), 3, at: 20)
        for (offset, separator) in [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"), (19, "."), (23, "Z")] as [(Int, Character)] {
            bytes[offset] = separator.asciiValue!
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
