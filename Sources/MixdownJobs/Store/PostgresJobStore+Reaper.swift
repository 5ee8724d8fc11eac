internal import MixdownRecipe
internal import PostgresNIO

// The reaper: jobs past their own type's limit fail; jobs whose lease expired are requeued, failed
// without attempts left, or cancelled when a cancel was asked for while their worker died.
extension PostgresJobStore {
    public func reap(backoffSeconds: Double) async throws -> [ReapedJob] {
        // Each job's own limit, set from its type's timeout when it was submitted (capped so the sum fits).
        let timeLimit = "started_at + LEAST(timeout_seconds * 1000, 3e12)::bigint < \(Self.nowSQL)"
        let candidates = try await rows(
            """
            SELECT id, type, timeout_seconds, attempts, lease_token, (\(unescaped: timeLimit)) AS timed_out
            FROM jobs WHERE status = 'running' AND ((\(unescaped: timeLimit)) OR lease_expires_at < \(unescaped: Self.nowSQL))
            ORDER BY id
            """
        )
        var reaped: [ReapedJob] = []
        for row in candidates {
            let cells = Cells(row.makeRandomAccess())
            let id: String = try cells["id"], token: String? = try cells["lease_token"], attempts: Int = try cells["attempts"]
            // Each change is guarded by the lease token read above: a job another reaper or its worker
            // changed meanwhile is left alone. `previous` holds the row's values before the change.
            if try cells["timed_out"] as Bool {
                let type: String = try cells["type"], limit: Double = try cells["timeout_seconds"]
                let error = try JSONCoding.encode(
                    JobError(code: .timeout, message: "the \(type) job ran past its \(Self.wholeSeconds(limit)) s limit")
                )
                let done = try await rows(
                    """
                    WITH previous AS (
                        SELECT id, processes FROM jobs WHERE id = \(id) AND status = 'running' AND lease_token IS NOT DISTINCT FROM \(token)
                        FOR UPDATE
                    )
                    UPDATE jobs SET status = 'failed', error = \(error), finished_at = \(unescaped: Self.nowSQL),
                        updated_at = \(unescaped: Self.nowSQL), lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
                    FROM previous WHERE jobs.id = previous.id
                    RETURNING previous.processes
                    """
                )
                if let done = done.first { reaped.append(ReapedJob(id: id, reason: "timeout", processes: try done.decode(String?.self))) }
                continue
            }
            // A cancel asked for while its worker died is honoured, not retried.
            let lost = try JSONCoding.encode(
                JobError(code: .workerLost, message: "the worker running attempt \(attempts) stopped renewing its lease")
            )
            let done = try await rows(
                """
                WITH previous AS (
                    SELECT id, processes FROM jobs WHERE id = \(id) AND status = 'running' AND lease_token IS NOT DISTINCT FROM \(token)
                        AND lease_expires_at < \(unescaped: Self.nowSQL)
                    FOR UPDATE
                )
                UPDATE jobs SET
                    status = CASE WHEN cancel_requested THEN 'cancelled' WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
                    error = CASE WHEN cancel_requested THEN \(Self.cancelledError) ELSE \(lost) END,
                    finished_at = CASE WHEN cancel_requested OR attempts >= max_attempts THEN \(unescaped: Self.nowSQL) END,
                    run_after = CASE WHEN cancel_requested THEN run_after ELSE \(unescaped: Self.nowSQL) + \(unescaped: Self.backoffSQL(backoffSeconds)) END,
                    updated_at = \(unescaped: Self.nowSQL), lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, processes = NULL
                FROM previous WHERE jobs.id = previous.id
                RETURNING jobs.status, previous.processes
                """
            )
            guard let done = done.first else { continue }
            let (status, processes) = try done.decode((String, String?).self)
            let reason = status == JobStatus.cancelled.rawValue ? "cancelled" : status == JobStatus.failed.rawValue ? "worker-lost" : "requeued"
            reaped.append(ReapedJob(id: id, reason: reason, processes: processes))
        }
        return reaped
    }
}
