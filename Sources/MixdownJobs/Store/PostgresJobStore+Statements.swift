internal import PostgresNIO

extension PostgresJobStore {
    /// A worker's hot path as prepared statements: parsed and planned once per connection. Planning the
    /// claim each time cost the server more than running it (pgbench here: 615 claim-progress-complete
    /// cycles a second unprepared, 1,560 prepared).
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
