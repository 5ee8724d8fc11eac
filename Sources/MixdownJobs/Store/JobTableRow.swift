import MixdownStorage

/// A row of `jobs` or `assets` as a store read it: GRDB's `Row` or a libSQL result row. Reading goes
/// through these few typed lookups, so both stores map rows to jobs with the same code, and a missing
/// column or a value of the wrong type throws instead of trapping.
protocol JobTableRow {
    func string(_ column: String) throws -> String
    func optionalString(_ column: String) throws -> String?
    func int64(_ column: String) throws -> Int64
    func optionalInt64(_ column: String) throws -> Int64?
    func double(_ column: String) throws -> Double
    func optionalDouble(_ column: String) throws -> Double?
}

/// A row a store cannot read as a job or asset.
struct JobRowError: Error, CustomStringConvertible {
    var column: String
    var problem: String
    var description: String { "column \(column): \(problem)" }
}

extension JobTableRow {
    func int(_ column: String) throws -> Int {
        let value = try int64(column)
        guard let int = Int(exactly: value) else { throw JobRowError(column: column, problem: "\(value) does not fit an Int") }
        return int
    }

    func bool(_ column: String) throws -> Bool { try int64(column) != 0 }

    /// Reads a row by hand: measurably faster than Codable row decoding on the status route. Without
    /// `withParameters` the recipe, parameters and plan are left empty (the status columns omit them).
    func job(withParameters: Bool = true) throws -> Job {
        Job(
            id: try string("id"),
            type: JobType(rawValue: try string("type")) ?? .save,
            status: JobStatus(rawValue: try string("status")) ?? .failed,
            progress: try double("progress"),
            stage: try optionalString("stage"),
            recipe: withParameters ? try string("recipe") : "",
            recipeName: try string("recipe_name"),
            parameters: withParameters ? try JSONCoding.decode(JobParameters.self, from: try string("parameters")) : JobParameters(),
            plan: withParameters ? try optionalString("plan") : nil,
            attempts: try int("attempts"),
            maxAttempts: try int("max_attempts"),
            timeoutSeconds: try double("timeout_seconds"),
            leaseOwner: try optionalString("lease_owner"),
            leaseExpiresAt: try optionalInt64("lease_expires_at"),
            cancelRequested: try bool("cancel_requested"),
            idempotencyKey: try optionalString("idempotency_key"),
            error: try optionalString("error").map { try JSONCoding.decode(JobError.self, from: $0) },
            result: try optionalString("result").map { try JSONCoding.decode(JobResult.self, from: $0) },
            createdAt: try int64("created_at"),
            updatedAt: try int64("updated_at"),
            startedAt: try optionalInt64("started_at"),
            finishedAt: try optionalInt64("finished_at"),
            notification: try optionalString("notify_state").flatMap(NotificationState.Status.init(rawValue:)).map {
                NotificationState(status: $0, attempts: try int("notify_attempts"), lastError: try optionalString("notify_error"))
            },
            batchId: try optionalString("batch_id"),
            batchItem: try optionalString("batch_item")
        )
    }

    func batch() throws -> Batch {
        Batch(id: try string("id"), recipeName: try string("recipe_name"), total: try int("total"), createdAt: try int64("created_at"))
    }

    func asset() throws -> Asset {
        Asset(
            id: try string("id"),
            key: try StorageKey(try string("key")),
            name: try string("name"),
            contentType: try string("content_type"),
            bytes: try int("bytes"),
            durationSeconds: try optionalDouble("duration_seconds"),
            sha256: try string("sha256"),
            jobId: try optionalString("job_id"),
            createdAt: try int64("created_at")
        )
    }
}
