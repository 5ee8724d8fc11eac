internal import PostgresNIO

extension PostgresJobStore {
    /// A worker's hot path as prepared statements: parsed and planned once per connection. Planning the
    /// claim each time cost the server more than running it (pgbench here: 615 claim-progress-complete
    /// cycles a second unprepared, 1,560 prepared). A lone call runs these; calls made at the same moment
    /// run the batch forms below, as one statement (``StatementCombiner``).
    struct ClaimStatement: PostgresPreparedStatement {
        static let sql = """
            UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = $1, lease_token = $2,
                lease_expires_at = \(nowSQL) + $3, started_at = \(nowSQL), updated_at = \(nowSQL), progress = 0, stage = NULL, processes = NULL
            FROM \(relaxedCommit)
            WHERE jobs.id = (
                SELECT id FROM jobs WHERE status = 'queued' AND run_after <= \(nowSQL)
                ORDER BY run_after, id LIMIT 1 FOR UPDATE SKIP LOCKED
            )
            RETURNING jobs.*
            """
        static let bindingDataTypes: [PostgresDataType] = [.text, .text, .int8]

        var owner: String
        var token: String
        var leaseMilliseconds: Int64

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 3)
            bindings.append(owner)
            bindings.append(token)
            bindings.append(leaseMilliseconds)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Job { try PostgresJobStore.job(from: row) }
    }

    struct HeartbeatStatement: PostgresPreparedStatement {
        static let sql = """
            UPDATE jobs SET lease_expires_at = \(nowSQL) + $1, updated_at = \(nowSQL), progress = COALESCE($2, progress),
                stage = COALESCE($3, stage), processes = COALESCE($4, processes)
            FROM \(relaxedCommit)
            WHERE id = $5 AND lease_token = $6 AND status = 'running'
            RETURNING cancel_requested
            """
        static let bindingDataTypes: [PostgresDataType] = [.int8, .float8, .text, .text, .text, .text]

        var leaseMilliseconds: Int64
        var progress: Double?
        var stage: String?
        var processes: String?
        var lease: Lease

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 6)
            bindings.append(leaseMilliseconds)
            bindings.append(progress)
            bindings.append(stage)
            bindings.append(processes)
            bindings.append(lease.jobId)
            bindings.append(lease.token)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Bool { try row.decode(Bool.self) }
    }

    struct CompleteStatement: PostgresPreparedStatement {
        static let sql = """
            UPDATE jobs SET status = 'succeeded', progress = 1, result = $1, error = NULL, finished_at = \(nowSQL),
                updated_at = \(nowSQL), lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, processes = NULL
            FROM \(relaxedCommit)
            WHERE id = $2 AND lease_token = $3 AND status = 'running'
            RETURNING id
            """
        static let bindingDataTypes: [PostgresDataType] = [.text, .text, .text]

        var result: String
        var lease: Lease

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 3)
            bindings.append(result)
            bindings.append(lease.jobId)
            bindings.append(lease.token)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> String { try row.decode(String.self) }
    }

    /// The batch forms cost the server more per statement than the single ones (unnest, a hash join, a
    /// window over the locked rows: 813 jobs/s against 1,230 when every batch held one call), so they
    /// run only for two calls or more.
    ///
    /// The claim takes up to one job per token, each job getting its own token (by the order the locked
    /// rows come in), and returns the claimed rows.
    struct ClaimBatchStatement: PostgresPreparedStatement {
        static let sql = """
            UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = $1, lease_token = ($2::text[])[picked.n],
                lease_expires_at = \(nowSQL) + $3, started_at = \(nowSQL), updated_at = \(nowSQL), progress = 0, stage = NULL, processes = NULL
            FROM (
                SELECT id, row_number() OVER () AS n FROM (
                    SELECT id FROM jobs WHERE status = 'queued' AND run_after <= \(nowSQL)
                    ORDER BY run_after, id LIMIT $4 FOR UPDATE SKIP LOCKED
                ) AS locked
            ) AS picked, \(relaxedCommit)
            WHERE jobs.id = picked.id
            RETURNING jobs.*
            """
        static let bindingDataTypes: [PostgresDataType] = [.text, .textArray, .int8, .int8]

        var owner: String
        var tokens: [String]
        var leaseMilliseconds: Int64

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 4)
            bindings.append(owner)
            bindings.append(tokens)
            bindings.append(leaseMilliseconds)
            bindings.append(Int64(tokens.count))
            return bindings
        }

        /// A row that does not decode fails its own claim only: the others in the statement were claimed too.
        func decodeRow(_ row: PostgresRow) throws -> (job: Result<Job, any Error>, token: String) {
            (Result { try PostgresJobStore.job(from: row) }, try row.makeRandomAccess()["lease_token"].decode(String.self))
        }
    }

    /// Heartbeats of several leases. PostgresNIO encodes no arrays with NULLs, so each optional value comes
    /// with a flag saying whether it was given.
    ///
    /// This and the batched completion lock their rows in id order first (`locked`): two statements that
    /// each hold several rows (a heartbeat batch and a completion batch of the same jobs) must not take
    /// them in opposite orders. A deadlock with a statement outside them (a batch's cancel, the reaper)
    /// remains possible; ``runRetryingDeadlock(_:)`` sends the batch again.
    struct HeartbeatBatchStatement: PostgresPreparedStatement {
        static let sql = """
            WITH locked AS (SELECT id FROM jobs WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE)
            UPDATE jobs SET lease_expires_at = \(nowSQL) + beat.lease_ms, updated_at = \(nowSQL),
                progress = CASE WHEN beat.has_progress THEN beat.progress ELSE jobs.progress END,
                stage = CASE WHEN beat.has_stage THEN beat.stage ELSE jobs.stage END,
                processes = CASE WHEN beat.has_processes THEN beat.processes ELSE jobs.processes END
            FROM unnest($1::text[], $2::text[], $3::int8[], $4::float8[], $5::bool[], $6::text[], $7::bool[], $8::text[], $9::bool[])
                AS beat(id, token, lease_ms, progress, has_progress, stage, has_stage, processes, has_processes),
                \(relaxedCommit)
            WHERE jobs.id = beat.id AND jobs.id IN (SELECT id FROM locked) AND jobs.lease_token = beat.token AND jobs.status = 'running'
            RETURNING jobs.id, jobs.cancel_requested
            """
        static let bindingDataTypes: [PostgresDataType] = [
            .textArray, .textArray, .int8Array, .float8Array, .boolArray, .textArray, .boolArray, .textArray, .boolArray,
        ]

        struct Beat: Sendable {
            var lease: Lease
            var leaseMilliseconds: Int64
            var progress: Double?
            var stage: String?
            var processes: String?
        }

        var beats: [Beat]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 9)
            bindings.append(beats.map(\.lease.jobId))
            bindings.append(beats.map(\.lease.token))
            bindings.append(beats.map(\.leaseMilliseconds))
            bindings.append(beats.map { $0.progress ?? 0 })
            bindings.append(beats.map { $0.progress != nil })
            bindings.append(beats.map { $0.stage ?? "" })
            bindings.append(beats.map { $0.stage != nil })
            bindings.append(beats.map { $0.processes ?? "" })
            bindings.append(beats.map { $0.processes != nil })
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> (id: String, cancelRequested: Bool) { try row.decode((String, Bool).self) }
    }

    /// Completions of several leases; returns the ids whose lease still held.
    struct CompleteBatchStatement: PostgresPreparedStatement {
        static let sql = """
            WITH locked AS (SELECT id FROM jobs WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE)
            UPDATE jobs SET status = 'succeeded', progress = 1, result = done.result, error = NULL, finished_at = \(nowSQL),
                updated_at = \(nowSQL), lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL, processes = NULL
            FROM unnest($1::text[], $2::text[], $3::text[]) AS done(id, token, result), \(relaxedCommit)
            WHERE jobs.id = done.id AND jobs.id IN (SELECT id FROM locked) AND jobs.lease_token = done.token AND jobs.status = 'running'
            RETURNING jobs.id
            """
        static let bindingDataTypes: [PostgresDataType] = [.textArray, .textArray, .textArray]

        struct Completion: Sendable {
            var lease: Lease
            var result: String
        }

        var completions: [Completion]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 3)
            bindings.append(completions.map(\.lease.jobId))
            bindings.append(completions.map(\.lease.token))
            bindings.append(completions.map(\.result))
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> String { try row.decode(String.self) }
    }

    struct JobByIdStatement: PostgresPreparedStatement {
        static let sql = "SELECT * FROM jobs WHERE id = $1"
        static let bindingDataTypes: [PostgresDataType] = [.text]

        var id: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(id)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Job { try PostgresJobStore.job(from: row) }
    }

    /// ``run(_:)`` for a batch: sent again (at most three times in all) when the server ends it as a
    /// deadlock's victim (SQLSTATE 40P01), which rolled it back whole.
    func runRetryingDeadlock<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [Statement.Row]
    where Statement.Row: Sendable {
        var attempt = 1
        while true {
            do {
                return try await run(statement)
            } catch let error as StoreError where error.isDeadlock && attempt < 3 {
                attempt += 1
            }
        }
    }

    /// Runs a prepared statement (prepared on first use on each pooled connection) and reads every row.
    func run<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [Statement.Row] where Statement.Row: Sendable {
        try await ensureSchema()
        do {
            var rows: [Statement.Row] = []
            for try await row in try await client.execute(statement, logger: logger) { rows.append(row) }
            return rows
        } catch {
            throw StoreError(error)
        }
    }
}
