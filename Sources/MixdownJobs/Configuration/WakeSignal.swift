internal import Synchronization

/// An in-process doorbell: `ring()` resumes every task waiting in `wait(upTo:)`; a ring with nobody waiting
/// is remembered, and the next wait returns at once.
///
/// Each wait owns its own entry: when one wait times out or is cancelled it removes only that entry, so
/// other tasks' waits go on until they are rung or their own time runs out.
public final class WakeSignal: Sendable {
    private struct State {
        var waiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
        var nextWaiter: UInt64 = 0
        var pending = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes every current waiter; with none, the next `wait(upTo:)` returns true at once.
    public func ring() {
        let waiters = state.withLock { state in
            let waiters = state.waiters.values
            state.waiters = [:]
            state.pending = waiters.isEmpty
            return Array(waiters)
        }
        for waiter in waiters { waiter.resume(returning: true) }
    }

    /// Returns true when rung (or at once if rung while nobody waited), false after `seconds` or when the
    /// calling task is cancelled.
    @discardableResult
    public func wait(upTo seconds: Double) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.waitForRing() }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return false
            }
            // The first to finish decides; cancelling the other withdraws this wait's own entry only.
            var rung = await group.next() ?? false
            group.cancelAll()
            // A ring that landed together with the timeout still counts.
            while let other = await group.next() { rung = rung || other }
            return rung
        }
    }

    /// How many waits are parked now (for tests).
    var waiterCount: Int { state.withLock { $0.waiters.count } }

    private func waitForRing() async -> Bool {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let immediate: Bool? = state.withLock { state in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    // Cancelled before parking: the cancellation handler found nothing to resume.
                    if Task.isCancelled { return false }
                    state.waiters[id] = continuation
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: false)
        }
    }
}
