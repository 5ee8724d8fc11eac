/// An error that says a backend (the job store or the storage) cannot be reached or is overloaded right
/// now, as opposed to a request it refused: the API answers 503 with `Retry-After` instead of 500, and
/// the worker backs off and tries again.
public protocol BackendUnavailable: Error {
    /// Whether this particular error is an outage (connection refused, timeouts, 5xx, throttling).
    var isUnavailable: Bool { get }
}
