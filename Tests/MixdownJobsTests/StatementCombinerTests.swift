import Synchronization
import Testing

@testable import MixdownJobs

/// The combiner that sends a worker's concurrent claims, heartbeats and completions as one statement
/// each. Batches are made to form by holding the first statement until the others are seen waiting.
@Suite("Statement combiner")
struct StatementCombinerTests {
    /// A combiner whose statement records each batch and, for the batch `[0]`, waits until `open()`.
    final class Harness: Sendable {
        let combiner: StatementCombiner<Int, Int>
        let batches = Mutex<[[Int]]>([])
        private let waiting: AsyncStream<Int>
        private let entered: AsyncStream<Void>
        private let enteredSignal: AsyncStream<Void>.Continuation
        private let gate: AsyncStream<Void>
        private let gateSignal: AsyncStream<Void>.Continuation
        let failing: @Sendable ([Int]) -> Bool
        /// Batches holding any of these wait for ``open()``.
        let holding: Set<Int>

        init(
            maximumBatch: Int = 64,
            compatible: @escaping @Sendable (Int, Int) -> Bool = { _, _ in true },
            failing: @escaping @Sendable ([Int]) -> Bool = { _ in false },
            holding: Set<Int> = [0]
        ) {
            self.holding = holding
            let (waiting, waitingSignal) = AsyncStream.makeStream(of: Int.self)
            self.waiting = waiting
            (entered, enteredSignal) = AsyncStream.makeStream(of: Void.self)
            (gate, gateSignal) = AsyncStream.makeStream(of: Void.self)
            self.failing = failing
            combiner = StatementCombiner(maximumBatch: maximumBatch, compatible: compatible) { waitingSignal.yield($0) }
        }

        struct Refused: Error {}

        func call(_ request: Int) async throws -> Int {
            try await combiner.run(request) { [self] batch in
                batches.withLock { $0.append(batch) }
                if batch.contains(where: { holding.contains($0) }) {
                    enteredSignal.yield()
                    for await _ in gate { break }
                }
                // A statement that noticed its task was cancelled would fail every caller in it.
                if Task.isCancelled { throw CancellationError() }
                if failing(batch) { throw Refused() }
                return batch.map { $0 * 10 }
            }
        }

        /// Starts the call `0`, which holds its statement, and returns once that statement runs.
        func holdFirst() async -> Task<Int, any Error> {
            let first = Task { try await call(0) }
            await untilHeld()
            return first
        }

        /// Returns once another held statement runs.
        func untilHeld() async {
            for await _ in entered { break }
        }

        /// Returns once `count` calls wait behind the held statement.
        func untilWaiting(_ count: Int) async {
            for await waiting in waiting where waiting >= count { break }
        }

        func open() { gateSignal.yield() }
    }

    @Test("calls made while a statement runs go together as the next one, each getting its own answer; a lone call goes alone")
    func batches() async throws {
        let harness = Harness()
        let first = await harness.holdFirst()
        let others = (1...5).map { request in Task { try await harness.call(request) } }
        await harness.untilWaiting(5)
        harness.open()
        #expect(try await first.value == 0)
        for (index, other) in others.enumerated() { #expect(try await other.value == (index + 1) * 10) }
        let batches = harness.batches.withLock { $0 }
        #expect(batches.count == 2)
        #expect(batches.first == [0])
        #expect(batches.last?.sorted() == [1, 2, 3, 4, 5])
        // Idle again: the next call is a statement of its own.
        #expect(try await harness.call(6) == 60)
        #expect(harness.batches.withLock { $0.last } == [6])
    }

    @Test("requests that may not share a statement (another owner, the same job) wait for one of their own")
    func incompatible() async throws {
        let harness = Harness { $0 % 2 == $1 % 2 }
        let first = await harness.holdFirst()
        var others: [Task<Int, any Error>] = []
        for request in 1...4 {
            others.append(Task { try await harness.call(request) })
            // In order, so the first to wait (1) leads the next statement.
            await harness.untilWaiting(request)
        }
        harness.open()
        _ = try await first.value
        for other in others { _ = try await other.value }
        let batches = harness.batches.withLock { $0 }
        #expect(batches.map { $0.sorted() } == [[0], [1, 3], [2, 4]])
    }

    @Test("a statement carries at most maximumBatch requests")
    func bounded() async throws {
        let harness = Harness(maximumBatch: 2)
        let first = await harness.holdFirst()
        let others = (1...3).map { request in Task { try await harness.call(request) } }
        await harness.untilWaiting(3)
        harness.open()
        _ = try await first.value
        for other in others { _ = try await other.value }
        #expect(harness.batches.withLock { $0 }.map(\.count) == [1, 2, 1])
    }

    @Test("a failed statement fails every call in it, and the calls after it still run")
    func failure() async throws {
        let harness = Harness(failing: { batch in batch.contains(1) })
        let first = await harness.holdFirst()
        let failed = (1...2).map { request in Task { try await harness.call(request) } }
        await harness.untilWaiting(2)
        harness.open()
        _ = try await first.value
        for call in failed { await #expect(throws: Harness.Refused.self) { try await call.value } }
        #expect(try await harness.call(3) == 30)
    }

    @Test("a call cancelled while it waits leaves at once with CancellationError; the others are answered")
    func cancelledWaiter() async throws {
        let harness = Harness()
        let first = await harness.holdFirst()
        let leaving = Task { try await harness.call(1) }
        await harness.untilWaiting(1)
        let staying = Task { try await harness.call(2) }
        await harness.untilWaiting(2)
        leaving.cancel()
        await #expect(throws: CancellationError.self) { try await leaving.value }
        harness.open()
        _ = try await first.value
        #expect(try await staying.value == 20)
        #expect(harness.batches.withLock { $0 } == [[0], [2]])
    }

    @Test("a leading call whose task is cancelled during its statement does not fail the calls that joined it")
    func cancelledLeader() async throws {
        let harness = Harness(holding: [0, 1])
        let first = await harness.holdFirst()
        let leader = Task { try await harness.call(1) }
        await harness.untilWaiting(1)
        let joined = Task { try await harness.call(2) }
        await harness.untilWaiting(2)
        harness.open()
        // 1 leads the next statement, with 2 in it; it is cancelled while that statement runs.
        await harness.untilHeld()
        leader.cancel()
        harness.open()
        _ = try await first.value
        #expect(try await joined.value == 20)
        #expect(try await leader.value == 10)
        #expect(harness.batches.withLock { $0.last } == [1, 2])
    }
}
