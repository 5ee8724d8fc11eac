/// The result of one statement: its rows, with column names, and how many rows it changed.
struct HranaResult: Sendable, Decodable {
    var columns: [String]
    var rows: [[HranaValue]]
    var affectedRowCount: Int64
    /// The server's position in its write log after the statement: it moves with every commit to the
    /// database, whoever made it. Absent on servers that do not report it.
    var replicationIndex: String?

    private struct Column: Decodable {
        var name: String?
    }

    private enum CodingKeys: String, CodingKey {
        case cols, rows
        case affectedRowCount = "affected_row_count"
        case replicationIndex = "replication_index"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        columns = try container.decode([Column].self, forKey: .cols).map { $0.name ?? "" }
        rows = try container.decode([[HranaValue]].self, forKey: .rows)
        affectedRowCount = try container.decodeIfPresent(Int64.self, forKey: .affectedRowCount) ?? 0
        replicationIndex = try container.decodeIfPresent(String.self, forKey: .replicationIndex)
    }

    /// Each row with lookup by column name (the first column of a name wins, as in SQLite).
    var namedRows: [HranaRow] {
        var index: [String: Int] = [:]
        for (position, name) in columns.enumerated() where index[name] == nil { index[name] = position }
        return rows.map { HranaRow(index: index, values: $0) }
    }

    var firstRow: HranaRow? { namedRows.first }
}

/// One result row, read by column name.
struct HranaRow: Sendable {
    let index: [String: Int]
    let values: [HranaValue]

    subscript(column: String) -> HranaValue? {
        guard let position = index[column], values.indices.contains(position) else { return nil }
        return values[position]
    }

    private func value(_ column: String) throws -> HranaValue {
        guard let value = self[column] else { throw JobRowError(column: column, problem: "missing from the result") }
        return value
    }
}

extension HranaRow: JobTableRow {
    func optionalString(_ column: String) throws -> String? {
        switch try value(column) {
        case .null: return nil
        case .text(let text): return text
        case let other: throw JobRowError(column: column, problem: "expected text, got \(other)")
        }
    }

    func string(_ column: String) throws -> String {
        guard let text = try optionalString(column) else { throw JobRowError(column: column, problem: "unexpected NULL") }
        return text
    }

    func optionalInt64(_ column: String) throws -> Int64? {
        switch try value(column) {
        case .null: return nil
        case .integer(let integer): return integer
        case let other: throw JobRowError(column: column, problem: "expected an integer, got \(other)")
        }
    }

    func int64(_ column: String) throws -> Int64 {
        guard let integer = try optionalInt64(column) else { throw JobRowError(column: column, problem: "unexpected NULL") }
        return integer
    }

    /// A REAL column holds an integer when SQLite stored a whole number there through an expression.
    func optionalDouble(_ column: String) throws -> Double? {
        switch try value(column) {
        case .null: return nil
        case .float(let real): return real
        case .integer(let integer): return Double(integer)
        case let other: throw JobRowError(column: column, problem: "expected a number, got \(other)")
        }
    }

    func double(_ column: String) throws -> Double {
        guard let real = try optionalDouble(column) else { throw JobRowError(column: column, problem: "unexpected NULL") }
        return real
    }
}
