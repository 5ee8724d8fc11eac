internal import Dispatch

/// Runs blocking file work (copies, hashes, renames) on a Dispatch queue instead of Swift's cooperative
/// pool, whose few threads (one per core) also run every request handler and heartbeat.
public enum BlockingIO {
    private static let queue = DispatchQueue(label: "mixdown.blocking-io", qos: .utility, attributes: .concurrent)

    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
