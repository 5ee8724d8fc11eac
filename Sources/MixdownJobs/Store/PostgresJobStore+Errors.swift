public import MixdownStorage
internal import PostgresNIO

extension PostgresJobStore {
    /// A failure of the PostgreSQL store that an operator can act on: the server's SQLSTATE and message,
    /// or what went wrong with the connection. Never the password (PostgresNIO's own errors print a fixed
    /// text to avoid leaking queries; this keeps the server's words, which hold no credentials).
    public struct StoreError: Error, Sendable, CustomStringConvertible, BackendUnavailable {
        public var description: String
        /// No server answer at all (connection refused, pool circuit breaker, deadline): an outage,
        /// where a server error with a SQLSTATE is the server refusing the request.
        public var isUnavailable: Bool
        /// The server cannot be reached at all: no answer (refused, reset, timed out) or SQLSTATE class 08
        /// (connection) or 57 (shut down, starting up). Not "too many clients" (53300), which a server
        /// that is up says while it serves every connection it already has.
        var isUnreachable: Bool
        /// The server ended the statement as a deadlock's victim (SQLSTATE 40P01): rolled back, worth sending again.
        var isDeadlock = false

        init(_ description: String, unavailable: Bool = true, unreachable: Bool? = nil) {
            self.description = "PostgreSQL store: \(description)"
            isUnavailable = unavailable
            isUnreachable = unreachable ?? unavailable
        }

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
                // Class 08 (connection), 53 (resources), 57 (operator intervention: shutdown) are outages.
                let sqlClass = String((server[.sqlState] ?? "").prefix(2))
                self.init(
                    "\(state)\(server[.message] ?? "server error")\(server[.detail].map { " (\($0))" } ?? "")",
                    unavailable: ["08", "53", "57"].contains(sqlClass),
                    unreachable: ["08", "57"].contains(sqlClass)
                )
                isDeadlock = server[.sqlState] == "40P01"
            } else if let underlying = error.underlying {
                self.init("\(error.code): \(underlying)")
            } else {
                self.init("\(error.code)")
            }
        }
    }
}
