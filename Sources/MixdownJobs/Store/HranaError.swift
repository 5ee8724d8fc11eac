public import MixdownStorage

/// A failure reported by a libSQL server (sqld, Turso) or met on the way to it: sqld's own `code`
/// (`SQLITE_CONSTRAINT`, `SQL_PARSE_ERROR`, ...) and message, or one of ours (`HTTP_401`,
/// `RESPONSE_TOO_LARGE`, `RESPONSE_BROKEN`, `BAD_RESPONSE`, `UNREACHABLE`) naming what went wrong.
public struct HranaError: Error, Sendable, Hashable, CustomStringConvertible, Decodable {
    /// Stable enough to branch on: the server's code, or one of the codes above.
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "libSQL \(code): \(message)" }

    private enum CodingKeys: String, CodingKey {
        case code, message
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // Older servers leave the code out.
        code = try container.decodeIfPresent(String.self, forKey: .code) ?? "UNKNOWN"
        message = try container.decodeIfPresent(String.self, forKey: .message) ?? ""
    }

    /// Another connection held the write lock longer than the server waits: nothing was done.
    /// So is a write that waited a whole request timeout behind this process's own (``HranaWriteGate``).
    var isBusy: Bool { code.hasPrefix("SQLITE_BUSY") || code == "WRITE_QUEUE_BUSY" || message.contains("database is locked") }

    /// A constraint failure, e.g. a second job with the same idempotency key.
    var isConstraintViolation: Bool { code.hasPrefix("SQLITE_CONSTRAINT") }
}

extension HranaError: BackendUnavailable {
    /// The server could not be reached, answered 5xx, or stayed busy past the busy timeout.
    public var isUnavailable: Bool {
        ["UNREACHABLE", "RESPONSE_BROKEN", "SQLITE_BUSY", "WRITE_QUEUE_BUSY"].contains(code) || code.hasPrefix("HTTP_5")
    }
}
