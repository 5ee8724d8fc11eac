/// Runs work against a wall-clock limit: the work's result, or the caller's error once the limit passes,
/// the work then cancelled (which stops its downloads and kills its child process groups).
enum Deadline {
    static func run<T: Sendable>(
        seconds: Double,
        expired: @escaping @Sendable () -> any Error,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw expired() }
            return value
        }
    }
}
