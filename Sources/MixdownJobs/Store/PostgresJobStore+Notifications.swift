internal import PostgresNIO

// Deliveries of jobs' ends to their notifyUrl (duties recorded by the jobs_notify_on_end trigger), and
// the running leases the work-folder sweep compares against.
extension PostgresJobStore {
    public func claimNotification(leaseSeconds: Double) async throws -> Job? {
        try await jobs(
            """
            UPDATE jobs SET notify_next_at = \(unescaped: Self.nowSQL) + \(Self.milliseconds(leaseSeconds))
            FROM \(unescaped: Self.relaxedCommit)
            WHERE jobs.id = (
                SELECT id FROM jobs WHERE notify_state = 'pending' AND notify_next_at <= \(unescaped: Self.nowSQL)
                ORDER BY notify_next_at LIMIT 1 FOR UPDATE SKIP LOCKED
            )
            RETURNING jobs.*
            """
        ).first
    }

    public func recordNotification(jobId: String, delivered: Bool, error: String?, maxAttempts: Int, retryAfterSeconds: Double) async throws {
        _ = try await rows(
            """
            UPDATE jobs SET notify_attempts = notify_attempts + 1, notify_error = \(delivered ? nil : error),
                notify_state = CASE WHEN \(delivered) THEN 'delivered' WHEN notify_attempts + 1 >= \(maxAttempts) THEN 'failed' ELSE 'pending' END,
                notify_next_at = \(unescaped: Self.nowSQL) + \(Self.milliseconds(retryAfterSeconds))
            FROM \(unescaped: Self.relaxedCommit)
            WHERE id = \(jobId) AND notify_state = 'pending'
            """
        )
    }

    public func hasDueNotification() async throws -> Bool {
        try await flag("SELECT EXISTS (SELECT 1 FROM jobs WHERE notify_state = 'pending' AND notify_next_at <= \(unescaped: Self.nowSQL))")
    }

    public func runningLeases() async throws -> [String: String] {
        var leases: [String: String] = [:]
        for row in try await rows("SELECT id, lease_token FROM jobs WHERE status = 'running' AND lease_token IS NOT NULL") {
            let (id, token) = try row.decode((String, String).self)
            leases[id] = token
        }
        return leases
    }
}
