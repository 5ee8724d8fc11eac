internal import PostgresNIO

extension PostgresJobStore {
    /// A failure of the PostgreSQL store that an operator can act on: the server's SQLSTATE and message,
    /// or what went wrong with the connection. Never the password (PostgresNIO's own errors print a fixed
    /// text to avoid leaking queries; this keeps the server's words, which hold no credentials).
    public struct StoreError: Error, Sendable, CustomStringConvertible {
        public var description: String

        init(_ description: String) { self.description = "PostgreSQL store: \(description)" }

        init(_ error: any Error) {
            if let error = error as? StoreError {
                self = error
                return
            }
            guard let error = error as? PSQLError else {
                self.init(String(describing: error))
                return
            }
            if let server = error.serverInfo {
                let state = server[.sqlState].map { "\($0) " } ?? ""
                self.init("\(state)\(server[.message] ?? "server error")\(server[.detail].map { " (\($0))" } ?? "")")
            } else if let underlying = error.underlying {
                self.init("\(error.code): \(underlying)")
            } else {
                self.init("\(error.code)")
            }
        }
    }
}
