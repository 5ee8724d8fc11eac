extension LibSQLJobStore {
    /// Applies the migrations this database lacks. A read says whether any are missing (the usual
    /// answer at start-up is no, and it takes no lock); otherwise one transaction, begun with
    /// `BEGIN IMMEDIATE`, reads `schema_migrations` again and applies what is still missing, so processes
    /// starting together serialize on the write lock and the second finds the work done.
    static func migrate(_ client: HranaClient) async throws {
        let applied = HranaStatement("SELECT version FROM schema_migrations")
        // A database without the table yet answers with an error: the transaction below creates it.
        if case .success(let result) = try await client.execute([applied], idempotent: true).first,
            Set(try result.namedRows.map { try $0.string("version") }).isSuperset(of: JobSQL.migrations.map(\.identifier))
        {
            return
        }
        try await client.transaction { stream in
            let create = HranaStatement(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY NOT NULL, applied_at INTEGER NOT NULL)"
            )
            let rows = try await stream.batch([create, applied])
            let done = Set(try rows.last?.namedRows.map { try $0.string("version") } ?? [])
            var statements: [HranaStatement] = []
            for migration in JobSQL.migrations where !done.contains(migration.identifier) {
                statements += migration.statements.map { HranaStatement($0) }
                statements.append(
                    HranaStatement("INSERT OR IGNORE INTO schema_migrations (version, applied_at) VALUES (?, \(JobSQL.now))", [migration.identifier])
                )
            }
            _ = try await stream.commit(statements)
        }
    }
}
