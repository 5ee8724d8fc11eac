internal import Synchronization

/// Runs calls of one statement that arrive while it is already running as one statement (flat
/// combining): the first caller sends its statement; callers arriving meanwhile wait, and when it
/// returns, one of them sends a single statement for all of them and hands each its answer.
///
/// Why: a worker's round trip to PostgreSQL costs its process about a quarter of a millisecond of CPU
/// (PostgresNIO's pool, the event loop hops), whatever the statement carries. A worker whose slots claim,
/// report and complete at once pays that once per batch instead of once per job. An idle store sees no
/// difference: a lone call runs at once, alone, exactly as before.
///
/// There is no timer: a batch forms only from calls made while a statement of their kind runs, which
/// then wait for it (one round trip at most) instead of taking another pooled connection at once.
final class StatementCombiner<Request: Sendable, Response: Sendable>: Sendable {
    private enum Turn: Sendable {
        case answered(Result<Response, any Error>)
        /// The previous batch returned: this waiter sends the next one.
        case lead
        /// The caller's task was cancelled while it waited, before any batch took it.
        case cancelled
    }

    private struct Waiter: Sendable {
        var id: UInt64
        var request: Request
        var continuation: CheckedContinuation<Turn, Never>
    }

    private struct State: Sendable {
        var nextId: UInt64 = 0
        var largestBatch = 0
        /// Statements running now.
        var running = 0
        var waiting: [Waiter] = []
    }

    private let state = Mutex(State())
    /// The most requests one statement carries.
    let maximumBatch: Int
    /// How many statements run at once before calls wait to be combined.
    let maximumRunning: Int
    /// Whether a request may join a batch that holds another (the same lease owner; not the same job).
    private let compatible: @Sendable (Request, Request) -> Bool
    /// The most requests one statement has carried so far.
    var largestBatch: Int { state.withLock { $0.largestBatch } }
    /// Told how many calls wait after one more started waiting (tests wait on it instead of on time).
    private let queued: (@Sendable (Int) -> Void)?

    init(
        maximumBatch: Int,
        maximumRunning: Int = 1,
        compatible: @escaping @Sendable (Request, Request) -> Bool,
        queued: (@Sendable (Int) -> Void)? = nil
    ) {
        self.maximumBatch = max(maximumBatch, 1)
        self.maximumRunning = max(maximumRunning, 1)
        self.compatible = compatible
        self.queued = queued
    }

    /// `request`'s answer. `execute` runs a batch (this request first) and answers each request in order;
    /// any caller's `execute` may run anyone's batch, so it must not depend on which caller passed it.
    func run(_ request: Request, execute: @escaping @Sendable ([Request]) async throws -> [Response]) async throws -> Response {
        let id = state.withLock { state in
            state.nextId &+= 1
            return state.nextId
        }
        let turn = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Turn, Never>) in
                let waiting = state.withLock { state -> Int? in
                    guard state.running >= maximumRunning else {
                        state.running += 1
                        return nil
                    }
                    state.waiting.append(Waiter(id: id, request: request, continuation: continuation))
                    return state.waiting.count
                }
                if let waiting {
                    queued?(waiting)
                } else {
                    continuation.resume(returning: .lead)
                }
            }
        } onCancel: {
            // Still waiting: leave the queue now. Already taken into a batch (or handed the lead): the
            // batch answers it, as it would any caller.
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiting.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiting.remove(at: index)
            }
            waiter?.continuation.resume(returning: .cancelled)
        }
        switch turn {
        case .answered(let answer): return try answer.get()
        case .lead: return try await lead(request, execute: execute)
        case .cancelled: throw CancellationError()
        }
    }

    private func lead(_ request: Request, execute: @escaping @Sendable ([Request]) async throws -> [Response]) async throws -> Response {
        let joined = state.withLock { state in
            var batch = [request]
            var taken: [Waiter] = []
            var kept: [Waiter] = []
            for waiter in state.waiting {
                if batch.count < maximumBatch, batch.allSatisfy({ compatible($0, waiter.request) }) {
                    batch.append(waiter.request)
                    taken.append(waiter)
                } else {
                    kept.append(waiter)
                }
            }
            state.waiting = kept
            state.largestBatch = max(state.largestBatch, batch.count)
            return taken
        }
        let requests = [request] + joined.map(\.request)
        var outcome: Result<[Response], any Error>
        if joined.isEmpty {
            do {
                outcome = .success(try await execute(requests))
            } catch {
                outcome = .failure(error)
            }
        } else {
            // Others' answers must not fail because this caller's task was cancelled: the batch runs in a
            // task of its own, which does not inherit that cancellation.
            outcome = await Task { try await execute(requests) }.result
        }
        if case .success(let answers) = outcome, answers.count != requests.count { outcome = .failure(CombinerError.unanswered) }
        // The next batch goes before this one's answers are handed out.
        let next = state.withLock { state -> Waiter? in
            guard !state.waiting.isEmpty else {
                state.running -= 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.continuation.resume(returning: .lead)
        for (index, waiter) in joined.enumerated() {
            waiter.continuation.resume(returning: .answered(Self.answer(outcome, at: index + 1)))
        }
        return try Self.answer(outcome, at: 0).get()
    }

    private static func answer(_ outcome: Result<[Response], any Error>, at index: Int) -> Result<Response, any Error> {
        outcome.flatMap { answers in
            answers.indices.contains(index) ? .success(answers[index]) : .failure(CombinerError.unanswered)
        }
    }
}

/// A batch's `execute` returned another number of answers than it was given requests (a programming
/// error, reported rather than trapped).
enum CombinerError: Error {
    case unanswered
}
