internal import Foundation
import MixdownStorage
internal import PostgresNIO

extension PostgresJobStore {
    /// Every column but `recipe`, `parameters` and `plan`.
    static let statusColumns = """
        id, type, status, progress, stage, recipe_name, attempts, max_attempts, timeout_seconds, lease_owner, lease_expires_at,
        cancel_requested, idempotency_key, error, result, created_at, updated_at, started_at, finished_at,
        notify_state, notify_attempts, notify_error, batch_id, batch_item
        """

    /// Reads a job row by column name; without `recipe`, `parameters` and `plan` when the row lacks them
    /// (the status read).
    static func job(from row: PostgresRow) throws -> Job {
        let cells = Cells(row.makeRandomAccess())
        let withParameters = cells.has("parameters")
        let notifyState: String? = try cells["notify_state"]
        // One `try` for the call: a status read's row lacks the recipe, parameters and plan.
        return try Job(
            id: cells["id"],
            type: JobType(rawValue: cells["type"]) ?? .save,
            status: JobStatus(rawValue: cells["status"]) ?? .failed,
            progress: cells["progress"],
            stage: cells["stage"],
            recipe: withParameters ? cells["recipe"] : "",
            recipeName: cells["recipe_name"],
            parameters: withParameters ? JSONCoding.decode(JobParameters.self, from: cells["parameters"]) : JobParameters(),
            plan: withParameters ? cells["plan"] : nil,
            attempts: cells["attempts"],
            maxAttempts: cells["max_attempts"],
            timeoutSeconds: cells["timeout_seconds"],
            leaseOwner: cells["lease_owner"],
            leaseExpiresAt: cells["lease_expires_at"],
            cancelRequested: cells["cancel_requested"],
            idempotencyKey: cells["idempotency_key"],
            error: (cells["error"] as String?).map { try JSONCoding.decode(JobError.self, from: $0) },
            result: (cells["result"] as String?).map { try JSONCoding.decode(JobResult.self, from: $0) },
            createdAt: cells["created_at"],
            updatedAt: cells["updated_at"],
            startedAt: cells["started_at"],
            finishedAt: cells["finished_at"],
            notification: notifyState.flatMap(NotificationState.Status.init(rawValue:)).map {
                NotificationState(status: $0, attempts: try cells["notify_attempts"], lastError: try cells["notify_error"])
            },
            batchId: cells["batch_id"],
            batchItem: cells["batch_item"]
        )
    }

    static func asset(from row: PostgresRow) throws -> Asset {
        let cells = Cells(row.makeRandomAccess())
        return try Asset(
            id: cells["id"],
            key: StorageKey(cells["key"]),
            name: cells["name"],
            contentType: cells["content_type"],
            bytes: cells["bytes"],
            durationSeconds: cells["duration_seconds"],
            sha256: cells["sha256"],
            jobId: cells["job_id"],
            createdAt: cells["created_at"]
        )
    }

    /// Inserts or replaces an asset (the SQLite store's `INSERT OR REPLACE`), stamped with the store clock.
    static func insertAsset(_ asset: Asset) -> PostgresQuery {
        """
        INSERT INTO assets (id, key, name, content_type, bytes, duration_seconds, sha256, job_id, created_at)
        VALUES (\(asset.id), \(asset.key.rawValue), \(asset.name), \(asset.contentType), \(Int64(asset.bytes)), \(asset.durationSeconds),
            \(asset.sha256), \(asset.jobId), \(unescaped: nowSQL))
        ON CONFLICT (id) DO UPDATE SET key = EXCLUDED.key, name = EXCLUDED.name, content_type = EXCLUDED.content_type,
            bytes = EXCLUDED.bytes, duration_seconds = EXCLUDED.duration_seconds, sha256 = EXCLUDED.sha256,
            job_id = EXCLUDED.job_id, created_at = EXCLUDED.created_at
        """
    }

    /// Seconds from a caller as whole milliseconds, clamped instead of trapping on NaN, infinities or
    /// values past a century.
    static func milliseconds(_ seconds: Double) -> Int64 {
        guard seconds.isFinite else { return seconds > 0 ? centuryMilliseconds : 0 }
        return Int64(min(max(seconds * 1000, 0), Double(centuryMilliseconds)))
    }

    private static let centuryMilliseconds: Int64 = 100 * 365 * 86_400_000

    /// A whole number of seconds for messages, without trapping on values an `Int` cannot hold.
    static func wholeSeconds(_ seconds: Double) -> String {
        seconds.isFinite && abs(seconds) < 1e15 ? String(Int(seconds)) : String(seconds)
    }

    /// Named cells of one row that throw, instead of trapping, when a column is missing.
    struct Cells {
        let row: PostgresRandomAccessRow

        init(_ row: PostgresRandomAccessRow) { self.row = row }

        func has(_ column: String) -> Bool { row.contains(column) }

        subscript<Value: PostgresDecodable>(column: String) -> Value {
            get throws {
                guard row.contains(column) else { throw StoreError("the row has no column \(column)") }
                return try row[column].decode(Value.self)
            }
        }
    }
}
