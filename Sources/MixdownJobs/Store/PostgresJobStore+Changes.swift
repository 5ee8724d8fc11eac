internal import Logging
internal import NIOCore
internal import PostgresNIO
internal import Synchronization

extension PostgresJobStore {
    /// The channel the store's triggers announce job changes on (per database, so stores never mix).
    static let changeChannel = "mixdown_jobs"

    /// The store's change counter, moved by `LISTEN mixdown_jobs` on one connection the store keeps open:
    /// reading it costs no round trip.
    ///
    /// A notification travels on its own connection, so it can land a moment after the commit that sent
    /// it has returned to its writer. So a read by a task whose previous read returned the current value
    /// waits up to ``settle`` for a notification in flight (any arrival ends the wait): a read that starts
    /// after another connection's commit sees it unless the notification takes longer than ``settle``. A
    /// task's first read, and a read after something arrived, return at once: a worker resyncing after a
    /// job, or a follower taking its baseline, never waits.
    final class ChangeFeed: Sendable {
        private struct State {
            var counter = 0
            /// The first connection attempt ended, listening or not: reads stop waiting for it.
            var attempted = false
            var listening = false
            var everListened = false
            /// What each reading task (by its task's hash) was last given.
            var seen: [Int: Int] = [:]
            /// The reads waiting for an arrival, each with a signal of its own (no stale rings).
            var waiting: [ObjectIdentifier: WakeSignal] = [:]
            var failure: StoreError?
        }

        /// Long enough for a notification to cross a loaded machine (50 ms was seen to fall short with
        /// both cores busy); an idle read costs this much time and no work, and any arrival ends it early.
        static let settle = 0.25
        /// How long the first read waits for the first `LISTEN`, so commits right after it are counted.
        static let firstListenSeconds = 5.0

        private let state = Mutex(State())
        private let attempts = WakeSignal()
        /// The worker doorbell of this process, rung when a job became runnable anywhere.
        private let doorbell: WakeSignal?

        init(doorbell: WakeSignal?) { self.doorbell = doorbell }

        func read() async -> Int {
            await firstAttempt()
            let reader = withUnsafeCurrentTask { $0?.hashValue } ?? 0
            let bell = WakeSignal()
            // Deciding and registering under one lock: an arrival after this point rings `bell`.
            let wait = state.withLock { state in
                // Without a listening connection nothing can arrive: the poll interval is the fallback.
                let wait = state.listening && state.seen[reader] == state.counter
                if wait { state.waiting[ObjectIdentifier(bell)] = bell }
                return wait
            }
            if wait { await bell.wait(upTo: Self.settle) }
            return state.withLock { state in
                state.waiting[ObjectIdentifier(bell)] = nil
                // Tasks come and go; forgetting them all costs each at most one more wait.
                if state.seen.count > 1024 { state.seen.removeAll() }
                state.seen[reader] = state.counter
                return state.counter
            }
        }

        private func count() {
            let waiting = state.withLock { state in
                state.counter &+= 1
                return Array(state.waiting.values)
            }
            for bell in waiting { bell.ring() }
        }

        func received(_ payload: String) {
            count()
            if payload == JobStatus.queued.rawValue { doorbell?.ring() }
        }

        /// Returns whether this connection ends an outage (the attempt before it failed to connect).
        @discardableResult
        func listened() -> Bool {
            let (reconnected, recovered) = state.withLock { state in
                defer {
                    state.attempted = true
                    state.listening = true
                    state.everListened = true
                    state.failure = nil
                }
                return (state.everListened, state.failure != nil)
            }
            attempts.ring()
            // What was committed while the listener was away is unknown: count one change, so every
            // waiter reads the store again, and let this process's workers look for work.
            if reconnected {
                count()
                doorbell?.ring()
            }
            return recovered
        }

        /// Returns whether this begins an outage (a failed attempt after a connection, or the first attempt).
        @discardableResult
        func lost(_ failure: StoreError?) -> Bool {
            let began = state.withLock { state in
                defer {
                    state.attempted = true
                    state.listening = false
                    state.failure = failure
                }
                return failure != nil && state.failure == nil
            }
            attempts.ring()
            return began
        }

        /// Why the server cannot be reached, while the listener's latest attempt to connect has failed: calls
        /// fail with it at once instead of waiting on the pool (whose own error names only its circuit
        /// breaker, after seconds). Nil while listening, before the first attempt has ended, and between a
        /// lost connection and the next attempt (a connection closed by a proxy is not an outage).
        var outage: StoreError? {
            state.withLock { state in state.listening ? nil : state.failure }
        }

        /// Waits (at most ``firstListenSeconds``) for the listener's first attempt to end.
        func firstAttempt() async {
            let start = ContinuousClock.now
            while !state.withLock({ $0.attempted }), ContinuousClock.now - start < .seconds(Self.firstListenSeconds), !Task.isCancelled {
                await attempts.wait(upTo: 0.1)
            }
        }

        /// Listens until the task is cancelled, connecting again after a drop (after 0.1 s, doubling to 5 s).
        /// Listens on a connection of its own (not the pool's: a pooled attempt that fails reports only the
        /// pool's circuit breaker, and a held listener would take a query slot), reconnecting every second
        /// while the server is away. Its last failure is the store's ``outage``.
        /// `outageChanged` runs when an outage begins (an attempt to connect fails after one succeeded) and
        /// when it ends (a connection follows a failed attempt).
        func listen(_ location: Location, logger: Logger, outageChanged: @Sendable () -> Void) async {
            var delay = 0.1
            var attempt = 0
            var everConnected = false
            while !Task.isCancelled {
                attempt += 1
                var connected = false
                do {
                    let connection = try await PostgresConnection.connect(
                        configuration: try location.connectionConfiguration(),
                        id: attempt,
                        logger: logger
                    )
                    defer { Task { try? await connection.close() } }
                    try await withTaskCancellationHandler {
                        try await connection.listen(on: PostgresJobStore.changeChannel) { notifications in
                            connected = true
                            everConnected = true
                            if self.listened() { outageChanged() }
                            delay = 0.1
                            for try await notification in notifications { self.received(notification.payload) }
                        }
                    } onCancel: {
                        let closing: EventLoopFuture<Void> = connection.close()
                        _ = closing
                    }
                    lost(nil)
                } catch {
                    let failure = StoreError(error)
                    // A connection that was lost is not yet an outage: the next attempt decides. Before any
                    // connection, every failure counts (a wrong password, a missing database: say so at
                    // once); after one, only a server that cannot be reached does (a full server, "too many
                    // clients", keeps serving the pool's connections).
                    let outage = !connected && (!everConnected || failure.isUnreachable)
                    if lost(outage ? failure : nil) { outageChanged() }
                    if !Task.isCancelled {
                        logger.warning("the store's change listener lost its connection", metadata: ["error": "\(failure)"])
                    }
                }
                if Task.isCancelled { break }
                try? await Task.sleep(for: .seconds(delay))
                delay = min(delay * 2, 1)
            }
        }
    }
}
