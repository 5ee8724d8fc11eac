internal import Foundation
internal import GRDB
import MixdownStorage

extension SQLiteJobStore {
    static func fetchJob(_ db: Database, where condition: String, _ arguments: StatementArguments) throws -> Job? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM jobs WHERE \(condition)"), arguments: arguments).map { try job(from: $0) }
    }

    /// Every column but `recipe`, `parameters` and `plan`.
    static let statusColumns = """
        id, type, status, progress, stage, recipe_name, attempts, max_attempts, timeout_seconds, lease_owner, lease_expires_at,
        cancel_requested, idempotency_key, error, result, created_at, updated_at, started_at, finished_at,
        notify_state, notify_attempts, notify_error
        """

    /// Reads a row by hand: measurably faster than Codable row decoding on the status route.
    static func job(from row: Row, withParameters: Bool = true) throws -> Job {
        Job(
            id: row["id"],
            type: JobType(rawValue: row["type"]) ?? .save,
            status: JobStatus(rawValue: row["status"]) ?? .failed,
            progress: row["progress"],
            stage: row["stage"],
            recipe: withParameters ? row["recipe"] : "",
            recipeName: row["recipe_name"],
            parameters: withParameters ? try JSONCoding.decode(JobParameters.self, from: row["parameters"]) : JobParameters(),
            plan: withParameters ? row["plan"] : nil,
            attempts: row["attempts"],
            maxAttempts: row["max_attempts"],
            timeoutSeconds: row["timeout_seconds"],
            leaseOwner: row["lease_owner"],
            leaseExpiresAt: row["lease_expires_at"],
            cancelRequested: row["cancel_requested"],
            idempotencyKey: row["idempotency_key"],
            error: try (row["error"] as String?).map { try JSONCoding.decode(JobError.self, from: $0) },
            result: try (row["result"] as String?).map { try JSONCoding.decode(JobResult.self, from: $0) },
            createdAt: row["created_at"],
            updatedAt: row["updated_at"],
            startedAt: row["started_at"],
            finishedAt: row["finished_at"],
            notification: (row["notify_state"] as String?).flatMap(NotificationState.Status.init(rawValue:)).map {
                NotificationState(status: $0, attempts: row["notify_attempts"], lastError: row["notify_error"])
            }
        )
    }

    static func asset(from row: Row) throws -> Asset {
        Asset(
            id: row["id"],
            key: try StorageKey(row["key"]),
            name: row["name"],
            contentType: row["content_type"],
            bytes: row["bytes"],
            durationSeconds: row["duration_seconds"],
            sha256: row["sha256"],
            jobId: row["job_id"],
            createdAt: row["created_at"]
        )
    }

    static func insert(_ asset: Asset, createdAt: Int64, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO assets (id, key, name, content_type, bytes, duration_seconds, sha256, job_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                asset.id, asset.key.rawValue, asset.name, asset.contentType, asset.bytes, asset.durationSeconds, asset.sha256, asset.jobId, createdAt,
            ]
        )
    }

    /// Versioned schema changes, applied in order, each once.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: jobs and assets") { db in
            try db.execute(
                sql: """
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
                    );
                    CREATE INDEX jobs_claim ON jobs (status, run_after, id);
                    CREATE INDEX jobs_lease ON jobs (status, lease_expires_at);
                    CREATE INDEX jobs_type ON jobs (type, status, id);
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
                    );
                    CREATE INDEX assets_job ON assets (job_id);
                    """
            )
        }
        // A job's end and the duty to announce it commit together: the trigger covers every path that
        // ends a job (worker, cancel, reaper), so no delivery can be lost between the two writes.
        migrator.registerMigration("v2: durable notifications") { db in
            try db.execute(
                sql: """
                    ALTER TABLE jobs ADD COLUMN notify_state TEXT;
                    ALTER TABLE jobs ADD COLUMN notify_attempts INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE jobs ADD COLUMN notify_next_at INTEGER;
                    ALTER TABLE jobs ADD COLUMN notify_error TEXT;
                    CREATE INDEX jobs_notify ON jobs (notify_next_at) WHERE notify_state = 'pending';
                    CREATE TRIGGER jobs_notify_on_end AFTER UPDATE OF status ON jobs
                    WHEN NEW.status IN ('succeeded', 'failed', 'cancelled') AND OLD.status NOT IN ('succeeded', 'failed', 'cancelled')
                        AND json_extract(NEW.parameters, '$.notifyUrl') IS NOT NULL
                    BEGIN
                        UPDATE jobs SET notify_state = 'pending', notify_attempts = 0, notify_next_at = NEW.updated_at, notify_error = NULL
                        WHERE id = NEW.id;
                    END;
                    """
            )
        }
        return migrator
    }
}

/// JSON for the store's text columns: sorted keys, so equal values compare equal as text.
enum JSONCoding {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
