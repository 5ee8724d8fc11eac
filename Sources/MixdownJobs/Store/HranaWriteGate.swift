internal import Synchronization

/// Lets one writing request at a time, per libSQL database, leave this process; reads pass freely.
///
/// Why: sqld 0.24.32 (the self-hosted server) wedges for good under concurrent writers. Its write-lock
/// queue (`ManagedConnectionWalWrapper::acquire`) can return `SQLITE_BUSY` to a queued connection while
/// another one checkpoints, leaving that connection's entry in the queue; the lock is later handed to
/// the connection that left, and every writer after it spins on the stale slot at full CPU, past any
/// timeout. Sixteen writers in one process wedged it in a quarter of runs; writes gated here never did,
/// and finished sooner. Writes from several processes can still meet there: see `Docs/deployment.md`.
///
/// First come, first served. A waiter that is cancelled leaves the queue and throws `CancellationError`.
final class HranaWriteGate: Sendable {
    /// One waiting task; its fields change only under the gate's lock.
    private final class Waiter: @unchecked Sendable {
        var continuation: CheckedContinuation<Void, any Error>?
        var cancelled = false
        var timer: Task<Void, any Error>?

        /// The continuation to resume, once; stops the timer.
        func finish() -> CheckedContinuation<Void, any Error>? {
            timer?.cancel()
            timer = nil
            defer { continuation = nil }
            return continuation
        }
    }

    private struct State {
        var held = false
        var queue: [Waiter] = []
        var writesInFlight = 0
        var peakWritesInFlight = 0
    }

    private let state = Mutex(State())

    /// One gate per database URL in this process, shared by every store and client on it.
    static func shared(for url: String) -> HranaWriteGate {
        gates.withLock { gates in
            if let gate = gates[url] { return gate }
            let gate = HranaWriteGate()
            gates[url] = gate
            return gate
        }
    }

    /// A handful per process (one per database URL it uses), kept for the process's life.
    private static let gates = Mutex<[String: HranaWriteGate]>([:])

    /// Runs `body` holding the gate. A wait longer than `patience` throws `timeout()` instead: behind a
    /// slow or unreachable server the queue moves one request timeout at a time, and a heartbeat must not
    /// wait behind all of them.
    func withPermit<T>(
        patience: Duration = .seconds(3600),
        timeout: @escaping @Sendable () -> any Error = { CancellationError() },
        _ body: () async throws -> T
    ) async throws -> T {
        try await acquire(patience: patience, timeout: timeout)
        defer { release() }
        return try await body()
    }

    private func acquire(patience: Duration, timeout: @escaping @Sendable () -> any Error) async throws {
        let waiter = Waiter()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let granted: Bool? = state.withLock { state in
                    if waiter.cancelled { return nil }
                    if !state.held {
                        state.held = true
                        return true
                    }
                    waiter.continuation = continuation
                    state.queue.append(waiter)
                    return false
                }
                switch granted {
                case nil: continuation.resume(throwing: CancellationError())
                case true?: continuation.resume()
                case false?:
                    // Ends the wait unless the turn came first; ended by the turn or the cancellation.
                    let timer = Task { [weak self] in
                        try await Task.sleep(for: patience)
                        self?.abandon(waiter, with: timeout())
                    }
                    let finished = state.withLock { _ in
                        guard waiter.continuation != nil else { return true }
                        waiter.timer = timer
                        return false
                    }
                    if finished { timer.cancel() }
                }
            }
        } onCancel: {
            abandon(waiter, with: CancellationError())
        }
    }

    /// Takes `waiter` out of the queue and ends its wait with `error`, unless its turn has come.
    private func abandon(_ waiter: Waiter, with error: any Error) {
        let continuation: CheckedContinuation<Void, any Error>? = state.withLock { state in
            waiter.cancelled = true
            guard let index = state.queue.firstIndex(where: { $0 === waiter }) else { return nil }
            state.queue.remove(at: index)
            return waiter.finish()
        }
        continuation?.resume(throwing: error)
    }

    /// Hands the gate to the first waiter, or opens it.
    private func release() {
        let next: CheckedContinuation<Void, any Error>? = state.withLock { state in
            guard !state.queue.isEmpty else {
                state.held = false
                return nil
            }
            return state.queue.removeFirst().finish()
        }
        next?.resume()
    }

    // MARK: What reached the server

    /// Counts a writing request while it is on the wire, so a test can see how many ever overlapped.
    func measuringWrite<T>(_ body: () async throws -> T) async throws -> T {
        state.withLock { state in
            state.writesInFlight += 1
            state.peakWritesInFlight = max(state.peakWritesInFlight, state.writesInFlight)
        }
        defer { state.withLock { $0.writesInFlight -= 1 } }
        return try await body()
    }

    /// The most writing requests that were on the wire at once.
    var peakWritesInFlight: Int { state.withLock { $0.peakWritesInFlight } }
}
