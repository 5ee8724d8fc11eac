internal import MixdownRecipe

/// What one reaping pass writes, decided from the rows of ``JobSQL/timedOutJobs`` and
/// ``JobSQL/expiredLeases``. Both SQL stores build it the same way and run each step's update with the
/// matching statement; a step counts only when its update changed the row (each update repeats the
/// condition the row was found by, so a job that was no longer due, or was already ended by an
/// earlier step, is left alone).
struct ReapPlan {
    enum Update {
        /// ``JobSQL/failTimedOut``.
        case failTimedOut(id: String, error: String)
        /// ``JobSQL/cancelExpired``: a cancel asked for while its worker died is honoured, not retried.
        case cancelExpired(id: String)
        /// ``JobSQL/requeueExpired``: queued again after a backoff, or failed without attempts left.
        case requeueExpired(id: String, status: JobStatus, error: String, final: Bool, backoffMilliseconds: Int64, attempts: Int)
    }

    struct Step {
        var update: Update
        var reaped: ReapedJob
    }

    private(set) var steps: [Step] = []

    init(timedOut: [some JobTableRow], expired: [some JobTableRow], backoffSeconds: Double) throws {
        for row in timedOut {
            let id = try row.string("id"), type = try row.string("type"), limit = try row.double("timeout_seconds")
            let seconds = limit.isFinite ? Int(exactly: limit.rounded(.towardZero)) ?? 0 : 0
            let error = JobError(code: .timeout, message: "the \(type) job ran past its \(seconds) s limit")
            steps.append(
                Step(
                    update: .failTimedOut(id: id, error: try JSONCoding.encode(error)),
                    reaped: ReapedJob(id: id, reason: "timeout", processes: try row.optionalString("processes"))
                )
            )
        }
        for row in expired {
            let id = try row.string("id"), attempts = try row.int("attempts"), maximum = try row.int("max_attempts")
            let processes = try row.optionalString("processes")
            if try row.bool("cancel_requested") {
                steps.append(Step(update: .cancelExpired(id: id), reaped: ReapedJob(id: id, reason: "cancelled", processes: processes)))
                continue
            }
            let error = JobError(code: .workerLost, message: "the worker running attempt \(attempts) stopped renewing its lease")
            let final = attempts >= maximum
            // Doubling per attempt, at most a minute; the exponent is bounded, so nothing overflows.
            let backoff = min(60_000, max(0, backoffSeconds) * 1000 * Double(1 << min(max(attempts - 1, 0), 10)))
            let update = Update.requeueExpired(
                id: id,
                status: final ? .failed : .queued,
                error: try JSONCoding.encode(error),
                final: final,
                backoffMilliseconds: backoff.isFinite ? Int64(backoff) : 60_000,
                attempts: attempts
            )
            steps.append(Step(update: update, reaped: ReapedJob(id: id, reason: final ? "worker-lost" : "requeued", processes: processes)))
        }
    }
}
