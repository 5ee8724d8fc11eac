internal import Logging
internal import PostgresNIO

extension PostgresJobStore {
    /// One schema change: statements run in order, in the transaction that records it.
    struct Migration: Sendable {
        var version: String
        var statements: [String]
    }

    /// Any fixed number works: every Mixdown process asks for the same one, so only one migrates at a time.
    static let migrationLock: Int64 = 0x6d69_7864_6f77_6e00

    /// Versioned schema changes, applied in order, each once. The same columns and meanings as the SQLite
    /// store's; times are BIGINT milliseconds of the store clock.
    static let migrations: [Migration] = [
        Migration(
            version: "v1: jobs and assets",
            statements: [
                """
                CREATE TABLE jobs (
                    id TEXT COLLATE "C" PRIMARY KEY,
                    type TEXT NOT NULL,
                    status TEXT NOT NULL,
                    progress DOUBLE PRECISION NOT NULL DEFAULT 0,
                    stage TEXT,
                    recipe TEXT NOT NULL,
                    recipe_name TEXT NOT NULL,
                    parameters TEXT NOT NULL,
                    plan TEXT,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    max_attempts INTEGER NOT NULL,
                    timeout_seconds DOUBLE PRECISION NOT NULL,
                    lease_owner TEXT,
                    lease_token TEXT,
                    lease_expires_at BIGINT,
                    processes TEXT,
                    cancel_requested BOOLEAN NOT NULL DEFAULT false,
                    idempotency_key TEXT UNIQUE,
                    error TEXT,
                    result TEXT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    started_at BIGINT,
                    finished_at BIGINT,
                    run_after BIGINT NOT NULL
                )
                """,
                // Ids compare byte by byte ("C"): they sort by creation time whatever the database's locale.
                // Partial indexes: a claim and a reap read only the few queued or running rows, however
                // many finished jobs the table keeps.
                "CREATE INDEX jobs_claim ON jobs (run_after, id) WHERE status = 'queued'",
                "CREATE INDEX jobs_lease ON jobs (lease_expires_at) WHERE status = 'running'",
                "CREATE INDEX jobs_type ON jobs (type, status, id)",
                "CREATE INDEX jobs_status ON jobs (status, id)",
                """
                CREATE TABLE assets (
                    id TEXT COLLATE "C" PRIMARY KEY,
                    key TEXT NOT NULL,
                    name TEXT NOT NULL,
                    content_type TEXT NOT NULL,
                    bytes BIGINT NOT NULL,
                    duration_seconds DOUBLE PRECISION,
                    sha256 TEXT NOT NULL,
                    job_id TEXT COLLATE "C" REFERENCES jobs (id),
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX assets_job ON assets (job_id)",
            ]
        ),
        // A job's end and the duty to announce it commit together: the trigger covers every path that
        // ends a job (worker, cancel, reaper), so no delivery can be lost between two writes. BEFORE, so
        // the duty is written into the same row version instead of by a second UPDATE.
        Migration(
            version: "v2: durable notifications",
            statements: [
                "ALTER TABLE jobs ADD COLUMN notify_state TEXT",
                "ALTER TABLE jobs ADD COLUMN notify_attempts INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE jobs ADD COLUMN notify_next_at BIGINT",
                "ALTER TABLE jobs ADD COLUMN notify_error TEXT",
                "CREATE INDEX jobs_notify ON jobs (notify_next_at) WHERE notify_state = 'pending'",
                """
                CREATE FUNCTION mixdown_jobs_notify_on_end() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF (NEW.parameters::jsonb ->> 'notifyUrl') IS NOT NULL THEN
                        NEW.notify_state := 'pending';
                        NEW.notify_attempts := 0;
                        NEW.notify_next_at := NEW.updated_at;
                        NEW.notify_error := NULL;
                    END IF;
                    RETURN NEW;
                END
                $$
                """,
                """
                CREATE TRIGGER jobs_notify_on_end BEFORE UPDATE OF status ON jobs FOR EACH ROW
                WHEN (NEW.status IN ('succeeded', 'failed', 'cancelled') AND OLD.status NOT IN ('succeeded', 'failed', 'cancelled'))
                EXECUTE FUNCTION mixdown_jobs_notify_on_end()
                """,
            ]
        ),
        // Wake-ups: every process keeps a connection listening on `mixdown_jobs`. A job that becomes
        // runnable (submitted, requeued, retried, handed back) says `queued`; a job that ends says its
        // status (the notification loop and followers wait for ends). A claim says nothing: no one waits
        // for it, and at thousands of claims a second idle workers would only wake to find nothing.
        Migration(
            version: "v3: wake-ups",
            statements: [
                """
                CREATE FUNCTION mixdown_jobs_announce() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('\(changeChannel)', NEW.status);
                    RETURN NULL;
                END
                $$
                """,
                "CREATE TRIGGER jobs_announce_insert AFTER INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION mixdown_jobs_announce()",
                """
                CREATE TRIGGER jobs_announce_status AFTER UPDATE OF status ON jobs FOR EACH ROW
                WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status <> 'running')
                EXECUTE FUNCTION mixdown_jobs_announce()
                """,
                // One row that a readiness check writes: a committed write is the proof that the store
                // can be written (not a read-only standby, not out of disk).
                "CREATE TABLE store_probe (id INTEGER PRIMARY KEY, checked_at BIGINT NOT NULL)",
            ]
        ),
        // What a remote render service reported for one attempt of a job (as JobSQL's v3).
        Migration(
            version: "v4: remote render reports",
            statements: [
                """
                CREATE TABLE remote_reports (
                    job_id TEXT NOT NULL,
                    dispatch_id TEXT NOT NULL,
                    progress DOUBLE PRECISION,
                    result TEXT,
                    updated_at BIGINT NOT NULL,
                    PRIMARY KEY (job_id, dispatch_id)
                )
                """
            ]
        ),
        // Batches, as JobSQL's v4.
        Migration(
            version: "v5: batches",
            statements: [
                "ALTER TABLE jobs ADD COLUMN batch_id TEXT, ADD COLUMN batch_item TEXT",
                "CREATE INDEX jobs_batch ON jobs (batch_id, status) WHERE batch_id IS NOT NULL",
                """
                CREATE TABLE batches (
                    id TEXT PRIMARY KEY,
                    recipe_name TEXT NOT NULL,
                    total INTEGER NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX assets_upload_sha256 ON assets (sha256) WHERE job_id IS NULL",
            ]
        ),
    ]

    /// Applies the missing migrations in one transaction under an advisory lock, so processes that
    /// start together neither race to create the tables nor see half a schema.
    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)",
                logger: logger
            )
            var applied: Set<String> = []
            for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger).decode(String.self) {
                applied.insert(version)
            }
            for migration in migrations where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (\(migration.version), \(unescaped: nowSQL))",
                    logger: logger
                )
                logger.notice("migrated the PostgreSQL store", metadata: ["version": "\(migration.version)"])
            }
        }
    }
}
