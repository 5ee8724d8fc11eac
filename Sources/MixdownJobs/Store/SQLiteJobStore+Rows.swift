internal import GRDB
import MixdownStorage

extension SQLiteJobStore {
    static func fetchJob(_ db: Database, sql: String, _ arguments: StatementArguments) throws -> Job? {
        try Row.fetchOne(db.cachedStatement(sql: sql), arguments: arguments).map { try $0.job() }
    }

    static func insert(_ asset: Asset, _ db: Database) throws {
        try db.cachedStatement(sql: JobSQL.insertAsset).execute(arguments: [
            asset.id, asset.key.rawValue, asset.name, asset.contentType, asset.bytes, asset.durationSeconds, asset.sha256, asset.jobId,
        ])
    }

    /// Versioned schema changes, applied in order, each once: ``JobSQL/migrations``, recorded by GRDB.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in JobSQL.migrations {
            migrator.registerMigration(migration.identifier) { db in
                for statement in migration.statements { try db.execute(sql: statement) }
            }
        }
        return migrator
    }
}

/// GRDB's throwing decoders: a NULL where a value must be, or text where a number must be, throws.
extension Row: JobTableRow {
    func string(_ column: String) throws -> String { try decode(String.self, forColumn: column) }
    func optionalString(_ column: String) throws -> String? { try decode(String?.self, forColumn: column) }
    func int64(_ column: String) throws -> Int64 { try decode(Int64.self, forColumn: column) }
    func optionalInt64(_ column: String) throws -> Int64? { try decode(Int64?.self, forColumn: column) }
    func double(_ column: String) throws -> Double { try decode(Double.self, forColumn: column) }
    func optionalDouble(_ column: String) throws -> Double? { try decode(Double?.self, forColumn: column) }
}
