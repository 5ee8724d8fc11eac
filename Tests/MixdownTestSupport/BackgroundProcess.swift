internal import Foundation
internal import Subprocess
internal import SystemPackage

/// A long-running child (a `mixdown worker`) started through swift-subprocess, like the product's own
/// children, so its exit is observed by the same machinery.
public final class BackgroundProcess: @unchecked Sendable {
    public let pid: Int32
    private let task: Task<Int32?, any Error>

    /// Starts `executable` and returns once it is running.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], log: String? = nil) async throws {
        let (pids, continuation) = AsyncStream.makeStream(of: Int32.self)
        var updates: [Environment.Key: String?] = [:]
        for (key, value) in environment { updates[Environment.Key(rawValue: key)!] = value }
        let logDescriptor = try FileDescriptor.open(
            FilePath(log ?? "/dev/null"),
            .writeOnly,
            options: [.create, .append],
            permissions: [.ownerReadWrite]
        )
        let environmentValue = Environment.inherit.updating(updates)
        task = Task {
            let result = try await Subprocess.run(
                .path(FilePath(executable)),
                arguments: Arguments(arguments),
                environment: environmentValue,
                input: .none,
                output: .discarded,
                error: .fileDescriptor(logDescriptor, closeAfterSpawningProcess: true)
            ) { execution in
                continuation.yield(execution.processIdentifier.value)
                continuation.finish()
            }
            if case .exited(let code) = result.terminationStatus { return code }
            return nil
        }
        var iterator = pids.makeAsyncIterator()
        guard let pid = await iterator.next() else { throw TestSupportError("\(executable) did not start") }
        self.pid = pid
    }

    /// Waits for the process to end; its exit status, or nil when a signal ended it.
    public func wait() async throws -> Int32? { try await task.value }

    public func signal(_ number: Int32) { kill(pid, number) }
}
