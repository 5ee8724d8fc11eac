/// Where the delivery of a job's end to its `notifyUrl` stands. Recorded in the store with the job's
/// end, so any worker delivers it, at least once, across restarts; the attempts show on the job.
public struct NotificationState: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        /// Waiting for a worker to deliver it (again, after a failed attempt).
        case pending
        /// The receiver answered 2xx.
        case delivered
        /// Every attempt failed; nothing more is tried.
        case failed
    }

    public var status: Status
    public var attempts: Int
    /// Why the last attempt failed, for the person reading the job.
    public var lastError: String?

    public init(status: Status, attempts: Int, lastError: String? = nil) {
        self.status = status
        self.attempts = attempts
        self.lastError = lastError
    }
}
