/// The SQL of the stores that speak SQLite's dialect: ``SQLiteJobStore`` (GRDB, a local file) and
/// ``LibSQLJobStore`` (libSQL over HTTP). One text for both, so the two cannot drift apart.
///
/// Every statement reads the store clock itself (``now``) rather than taking a time as an argument:
/// SQLite fixes `'now'` for the whole statement, so the columns one statement sets agree, and a store
/// reached over the network needs no round trip to learn the time before it writes.
enum JobSQL {
    /// The store clock in SQL: milliseconds since 1970.
    static let now = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"
    static let selectNow = "SELECT \(now)"

    /// The error a cancelled job carries, as `JSONCoding` writes a ``JobError``.
    static let cancelledError = #"'{"code":"cancelled","message":"cancelled on request"}'"#

    // MARK: Schema

    /// One versioned schema change: statements applied in order, in one transaction, once.
    struct Migration: Sendable {
        /// The name it is recorded under (GRDB's `grdb_migrations`, libSQL's `schema_migrations`).
        let identifier: String
        let statements: [String]
    }

    static let migrations: [Migration] = [
        Migration(
            identifier: "v1: jobs and assets",
            statements: [
                """
                CREATE TABLE jobs (
                    id TEXT PRIMARY KEY NOT NULL,
                    type TEXT NOT NULL,
                    status TEXT NOT NULL,
                    progress REAL NOT NULL DEFAULT 0,
                    stage TEXT,
                    recipe TEXT NOT NULL,
                    recipe_name TEXT NOT NULL,
                    parameters TEXT NOT NULL,
                    plan TEXT,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    max_attempts INTEGER NOT NULL,
                    timeout_seconds REAL NOT NULL,
                    lease_owner TEXT,
                    lease_token TEXT,
                    lease_expires_at INTEGER,
                    processes TEXT,
                    cancel_requested INTEGER NOT NULL DEFAULT 0,
                    idempotency_key TEXT UNIQUE,
                    error TEXT,
                    result TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    started_at INTEGER,
                    finished_at INTEGER,
                    run_after INTEGER NOT NULL
                )
                """,
                "CREATE INDEX jobs_claim ON jobs (status, run_after, id)",
                "CREATE INDEX jobs_lease ON jobs (status, lease_expires_at)",
                "CREATE INDEX jobs_type ON jobs (type, status, id)",
                """
                CREATE TABLE assets (
                    id TEXT PRIMARY KEY NOT NULL,
                    key TEXT NOT NULL,
                    name TEXT NOT NULL,
                    content_type TEXT NOT NULL,
                    bytes INTEGER NOT NULL,
                    duration_seconds REAL,
                    sha256 TEXT NOT NULL,
                    job_id TEXT REFERENCES jobs (id),
                    created_at INTEGER NOT NULL
                )
                """,
                "CREATE INDEX assets_job ON assets (job_id)",
            ]
        ),
        // A job's end and the duty to announce it commit together: the trigger covers every path that
        // ends a job (worker, cancel, reaper), so no delivery can be lost between the two writes.
        Migration(
            identifier: "v2: durable notifications",
            statements: [
                "ALTER TABLE jobs ADD COLUMN notify_state TEXT",
                "ALTER TABLE jobs ADD COLUMN notify_attempts INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE jobs ADD COLUMN notify_next_at INTEGER",
                "ALTER TABLE jobs ADD COLUMN notify_error TEXT",
                "CREATE INDEX jobs_notify ON jobs (notify_next_at) WHERE notify_state = 'pending'",
                """
                CREATE TRIGGER jobs_notify_on_end AFTER UPDATE OF status ON jobs
                WHEN NEW.status IN ('succeeded', 'failed', 'cancelled') AND OLD.status NOT IN ('succeeded', 'failed', 'cancelled')
                    AND json_extract(NEW.parameters, '$.notifyUrl') IS NOT NULL
                BEGIN
                    UPDATE jobs SET notify_state = 'pending', notify_attempts = 0, notify_next_at = NEW.updated_at, notify_error = NULL
                    WHERE id = NEW.id;
                END
                """,
            ]
        ),
        // What a remote render service reported for one dispatch of a job (its webhook writes it, the
        // worker that dispatched reads it). Keyed by the dispatching lease's token, so a late report of an
        // earlier run never reaches a later one, even one that took the same attempt number (a release).
        Migration(
            identifier: "v3: remote render reports",
            statements: [
                """
                CREATE TABLE remote_reports (
                    job_id TEXT NOT NULL,
                    dispatch_id TEXT NOT NULL,
                    progress REAL,
                    result TEXT,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (job_id, dispatch_id)
                )
                """
            ]
        ),
        // Batches: jobs submitted together carry their batch's id and their name in it; the totals are
        // counted from the jobs. Uploads are found by content, so a batch stores each distinct file once.
        Migration(
            identifier: "v4: batches",
            statements: [
                "ALTER TABLE jobs ADD COLUMN batch_id TEXT",
                "ALTER TABLE jobs ADD COLUMN batch_item TEXT",
                "CREATE INDEX jobs_batch ON jobs (batch_id, status) WHERE batch_id IS NOT NULL",
                """
                CREATE TABLE batches (
                    id TEXT PRIMARY KEY NOT NULL,
                    recipe_name TEXT NOT NULL,
                    total INTEGER NOT NULL,
                    created_at INTEGER NOT NULL
                )
                """,
                "CREATE INDEX assets_upload_sha256 ON assets (sha256) WHERE job_id IS NULL",
            ]
        ),
    ]

    // MARK: Batches

    /// Arguments: id, recipe name, total, created.
    static let insertBatch = "INSERT INTO batches (id, recipe_name, total, created_at) VALUES (?, ?, ?, ?)"

    /// ``insertJob`` with the batch's id and the job's name in it, as the last two arguments.
    static let insertBatchJob = """
        INSERT INTO jobs (id, type, status, progress, recipe, recipe_name, parameters, attempts, max_attempts,
            timeout_seconds, cancel_requested, idempotency_key, created_at, updated_at, run_after, batch_id, batch_item)
        VALUES (?, ?, 'queued', 0, ?, ?, ?, 0, ?, ?, 0, ?, ?, ?, ?, ?, ?)
        """

    static let batchById = "SELECT * FROM batches WHERE id = ?"
    static let batchCounts = "SELECT status, count(*) AS n FROM jobs WHERE batch_id = ? GROUP BY status"

    /// ``cancel`` for every job of a batch that has not ended. Argument: batch id.
    static let cancelBatch = cancelling(where: "batch_id = ?")

    /// The oldest upload with these bytes. Arguments: sha256, size.
    static let uploadByContent = """
        SELECT * FROM assets WHERE sha256 = ? AND bytes = ? AND job_id IS NULL AND key LIKE 'uploads/%' ORDER BY id LIMIT 1
        """

    // MARK: Remote renders

    /// Arguments: result, job id, dispatch (lease token). Recorded once, only while that lease holds the
    /// job and no cancel is asked; the number of rows changed says whether it was.
    static let recordRemoteResult = """
        INSERT INTO remote_reports (job_id, dispatch_id, result, updated_at)
        SELECT id, lease_token, ?, \(now) FROM jobs
        WHERE id = ? AND lease_token = ? AND status = 'running' AND cancel_requested = 0
        ON CONFLICT (job_id, dispatch_id) DO UPDATE SET result = excluded.result, updated_at = excluded.updated_at
        WHERE remote_reports.result IS NULL
        """

    /// Arguments: progress, job id, dispatch. Ignored once a result is in.
    static let recordRemoteProgress = """
        INSERT INTO remote_reports (job_id, dispatch_id, progress, updated_at)
        SELECT id, lease_token, ?, \(now) FROM jobs
        WHERE id = ? AND lease_token = ? AND status = 'running' AND cancel_requested = 0
        ON CONFLICT (job_id, dispatch_id) DO UPDATE SET progress = excluded.progress, updated_at = excluded.updated_at
        WHERE remote_reports.result IS NULL
        """

    static let remoteReport = "SELECT progress, result FROM remote_reports WHERE job_id = ? AND dispatch_id = ?"

    // MARK: Jobs

    /// Arguments: id, type, recipe, recipe name, parameters, max attempts, timeout, idempotency key, and
    /// the store time the id was made from three times (created, updated, runnable).
    static let insertJob = """
        INSERT INTO jobs (id, type, status, progress, recipe, recipe_name, parameters, attempts, max_attempts,
            timeout_seconds, cancel_requested, idempotency_key, created_at, updated_at, run_after)
        VALUES (?, ?, 'queued', 0, ?, ?, ?, 0, ?, ?, 0, ?, ?, ?, ?)
        """

    static let jobById = "SELECT * FROM jobs WHERE id = ?"
    static let jobByIdempotencyKey = "SELECT * FROM jobs WHERE idempotency_key = ?"

    /// Every column but `recipe`, `parameters` and `plan`.
    static let statusColumns = """
        id, type, status, progress, stage, recipe_name, attempts, max_attempts, timeout_seconds, lease_owner, lease_expires_at,
        cancel_requested, idempotency_key, error, result, created_at, updated_at, started_at, finished_at,
        notify_state, notify_attempts, notify_error, batch_id, batch_item
        """
    static let statusById = "SELECT \(statusColumns) FROM jobs WHERE id = ?"

    /// Newest first, one row more than `limit` to tell whether a next page exists; the status columns
    /// only (a batch's page would otherwise carry its recipe once per job). Arguments, for the
    /// filters asked for, in order: type, status, batch, cursor.
    static func listJobs(type: Bool, status: Bool, batch: Bool, cursor: Bool, limit: Int) -> String {
        var conditions: [String] = []
        if type { conditions.append("type = ?") }
        if status { conditions.append("status = ?") }
        if batch { conditions.append("batch_id = ?") }
        if cursor { conditions.append("id < ?") }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return "SELECT \(statusColumns) FROM jobs \(filter) ORDER BY id DESC LIMIT \(limit + 1)"
    }

    /// One statement, so a claim is atomic on any connection: 'now' is fixed for the whole statement,
    /// so every column gets the same store time. Arguments: owner, lease token, lease milliseconds.
    static let claim = """
        UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = ?, lease_token = ?,
            lease_expires_at = \(now) + ?, started_at = \(now), updated_at = \(now),
            progress = 0, stage = NULL, processes = NULL
        WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND run_after <= \(now) ORDER BY run_after, id LIMIT 1)
        RETURNING *
        """

    static let hasRunnableJob = "SELECT EXISTS (SELECT 1 FROM jobs WHERE status = 'queued' AND run_after <= \(now))"

    /// Arguments: lease milliseconds, progress, stage, processes, job id, lease token.
    static let heartbeat = """
        UPDATE jobs SET lease_expires_at = \(now) + ?, updated_at = \(now), progress = COALESCE(?, progress),
            stage = COALESCE(?, stage), processes = COALESCE(?, processes)
        WHERE id = ? AND lease_token = ? AND status = 'running'
        RETURNING cancel_requested
        """

    /// Arguments: plan, job id, lease token.
    static let recordPlan = "UPDATE jobs SET plan = ? WHERE id = ? AND lease_token = ? AND status = 'running' RETURNING cancel_requested"

    /// Arguments: result JSON, job id, lease token. Changes one row, or none when the lease was lost.
    static let complete = """
        UPDATE jobs SET status = 'succeeded', progress = 1, result = ?, error = NULL, finished_at = \(now),
            updated_at = \(now), lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, processes = NULL
        WHERE id = ? AND lease_token = ? AND status = 'running'
        """

    /// Arguments: retry, backoff seconds, retry, error JSON, job id, lease token.
    static let fail = """
        UPDATE jobs SET
            status = CASE WHEN ? AND attempts < max_attempts THEN 'queued' ELSE 'failed' END,
            run_after = \(now) + CAST(MIN(60000, ? * 1000 * (1 << MIN(attempts - 1, 10))) AS INTEGER),
            finished_at = CASE WHEN ? AND attempts < max_attempts THEN NULL ELSE \(now) END,
            error = ?, updated_at = \(now), lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, processes = NULL
        WHERE id = ? AND lease_token = ? AND status = 'running'
        """

    /// Arguments: job id, lease token.
    static let markCancelled = """
        UPDATE jobs SET status = 'cancelled', finished_at = \(now), updated_at = \(now), lease_owner = NULL, lease_token = NULL,
            lease_expires_at = NULL, processes = NULL, error = \(cancelledError)
        WHERE id = ? AND lease_token = ? AND status = 'running'
        """

    /// Arguments: job id, lease token.
    static let release = """
        UPDATE jobs SET status = 'queued', attempts = attempts - 1, run_after = \(now), updated_at = \(now), progress = 0, stage = NULL,
            lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, processes = NULL
        WHERE id = ? AND lease_token = ? AND status = 'running'
        """

    /// A queued job ends at once; a running one is flagged for its worker; others are left alone. Every
    /// `SET` expression reads the row as it was, so `status` in the `CASE`s is the old status. No
    /// `RETURNING`: it would not show what the notification trigger wrote. Argument: job id.
    static let cancel = cancelling(where: "id = ?")

    /// The cancel of every job that `condition` selects and that has not ended.
    static func cancelling(where condition: String) -> String {
        """
        UPDATE jobs SET cancel_requested = 1, updated_at = \(now),
            status = CASE status WHEN 'queued' THEN 'cancelled' ELSE status END,
            finished_at = CASE status WHEN 'queued' THEN \(now) ELSE finished_at END,
            error = CASE status WHEN 'queued' THEN \(cancelledError) ELSE error END
        WHERE \(condition) AND status IN ('queued', 'running')
        """
    }

    /// Queues a job again with fresh attempts, from the statuses the state machine allows. Argument: job id.
    static let retry = """
        UPDATE jobs SET status = 'queued', attempts = 0, progress = 0, stage = NULL, error = NULL, result = NULL,
            cancel_requested = 0, finished_at = NULL, started_at = NULL, run_after = \(now), updated_at = \(now),
            notify_state = NULL, notify_attempts = 0, notify_next_at = NULL, notify_error = NULL
        WHERE id = ? AND status IN (\(JobStatus.allCases.filter { JobTransition.retry.apply(to: $0) != nil }.map { "'\($0.rawValue)'" }.joined(separator: ", ")))
        """

    // MARK: Reaping

    /// Running jobs past their own type's limit, set from the type's timeout when they were submitted.
    static let timedOutJobs = """
        SELECT id, type, timeout_seconds, processes FROM jobs
        WHERE status = 'running' AND started_at + CAST(timeout_seconds * 1000 AS INTEGER) < \(now)
        """
    // Each reaping write repeats the condition its row was found by: the store that read without a
    // lock (libSQL) learns from the count of changed rows whether the job was still due, and a job both
    // timed out and expired is ended once.

    /// Arguments: error JSON, job id.
    static let failTimedOut = """
        UPDATE jobs SET status = 'failed', error = ?, finished_at = \(now), updated_at = \(now), lease_owner = NULL, lease_token = NULL,
            lease_expires_at = NULL
        WHERE id = ? AND status = 'running' AND started_at + CAST(timeout_seconds * 1000 AS INTEGER) < \(now)
        """
    static let expiredLeases = """
        SELECT id, attempts, max_attempts, processes, cancel_requested FROM jobs WHERE status = 'running' AND lease_expires_at < \(now)
        """
    /// Argument: job id.
    static let cancelExpired = """
        UPDATE jobs SET status = 'cancelled', finished_at = \(now), updated_at = \(now), lease_owner = NULL, lease_token = NULL,
            lease_expires_at = NULL, processes = NULL, error = \(cancelledError)
        WHERE id = ? AND status = 'running' AND lease_expires_at < \(now) AND cancel_requested = 1
        """
    /// Arguments: new status, error JSON, whether final, backoff milliseconds, job id, attempts as read.
    static let requeueExpired = """
        UPDATE jobs SET status = ?, error = ?, updated_at = \(now), finished_at = CASE WHEN ? THEN \(now) END, run_after = \(now) + ?,
            lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, processes = NULL
        WHERE id = ? AND status = 'running' AND lease_expires_at < \(now) AND attempts = ?
        """

    static let statusCounts = "SELECT status, count(*) AS n FROM jobs GROUP BY status"
    static let runningLeases = "SELECT id, lease_token FROM jobs WHERE status = 'running' AND lease_token IS NOT NULL"

    // MARK: Assets

    /// Arguments: id, key, name, content type, bytes, duration, sha256, job id.
    static let insertAsset = """
        INSERT OR REPLACE INTO assets (id, key, name, content_type, bytes, duration_seconds, sha256, job_id, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, \(now))
        """
    static let assetById = "SELECT * FROM assets WHERE id = ?"

    /// ``insertAsset`` only while the lease holds: arguments as there, then job id and lease token. Run
    /// before ``complete`` in one write transaction, so the lease cannot change in between: the rows go
    /// in exactly when the job's update will match, and the pair needs no decision between statements.
    static let insertAssetWhileLeased = """
        INSERT OR REPLACE INTO assets (id, key, name, content_type, bytes, duration_seconds, sha256, job_id, created_at)
        SELECT ?, ?, ?, ?, ?, ?, ?, ?, \(now)
        WHERE EXISTS (SELECT 1 FROM jobs WHERE id = ? AND lease_token = ? AND status = 'running')
        """

    // MARK: Notifications

    /// Argument: lease milliseconds.
    static let claimNotification = """
        UPDATE jobs SET notify_next_at = \(now) + ?
        WHERE id = (SELECT id FROM jobs WHERE notify_state = 'pending' AND notify_next_at <= \(now)
            ORDER BY notify_next_at LIMIT 1)
        RETURNING *
        """
    /// Arguments: error, delivered, max attempts, retry-after milliseconds, job id.
    static let recordNotification = """
        UPDATE jobs SET notify_attempts = notify_attempts + 1, notify_error = ?,
            notify_state = CASE WHEN ? THEN 'delivered' WHEN notify_attempts + 1 >= ? THEN 'failed' ELSE 'pending' END,
            notify_next_at = \(now) + ?
        WHERE id = ? AND notify_state = 'pending'
        """
    static let hasDueNotification = "SELECT EXISTS (SELECT 1 FROM jobs WHERE notify_state = 'pending' AND notify_next_at <= \(now))"

    /// For a server that does not report its write-log position: moves whenever a job is queued or
    /// claimed (covered by the `jobs_claim` index, so no table rows are read).
    static let changeMarker = "SELECT count(*), coalesce(max(run_after), 0) FROM jobs WHERE status = 'queued'"

    // MARK: Readiness

    static let readProbe = "SELECT count(*) FROM jobs WHERE id = ''"
    /// Takes the write lock without changing anything.
    static let writeProbe = "UPDATE jobs SET id = id WHERE id = ''"
}
