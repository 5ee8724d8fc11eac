/// The transitions a job may make. The store enforces them in SQL; this value type states them once,
/// is tested directly, and documents what every store backend must do.
public enum JobTransition: String, Sendable, CaseIterable {
    /// A worker takes a queued job (attempt + 1).
    case claim
    /// The worker finished it.
    case succeed
    /// The worker gave up, or a timeout or the last lost lease ended it.
    case fail
    /// A lease expired or a worker shut down with attempts left: back to the queue.
    case requeue
    /// A cancel ended it (a queued job at once; a running one when its worker sees the request).
    case cancel
    /// A person asked for a failed or cancelled job to run again.
    case retry

    /// The status after this transition from `status`, or nil when it is not allowed.
    public func apply(to status: JobStatus) -> JobStatus? {
        switch (self, status) {
        case (.claim, .queued): .running
        case (.succeed, .running): .succeeded
        case (.fail, .running): .failed
        case (.requeue, .running): .queued
        case (.cancel, .queued), (.cancel, .running): .cancelled
        case (.retry, .failed), (.retry, .cancelled): .queued
        default: nil
        }
    }
}
