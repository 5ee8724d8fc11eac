internal import Logging
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
            let start = ContinuousClock.now
            while !state.withLock({ $0.attempted }), ContinuousClock.now - start < .seconds(Self.firstListenSeconds), !Task.isCancelled {
                await attempts.wait(upTo: 0.1)
            }
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

        func listened() {
            let reconnected = state.withLock { state in
                defer {
                    state.attempted = true
                    state.listening = true
                    state.everListened = true
                }
                return state.everListened
            }
            attempts.ring()
            // What was committed while the listener was away is unknown: count one change, so every
            // waiter reads the store again, and let this process's workers look for work.
            if reconnected {
                count()
                doorbell?.ring()
            }
        }

        func lost() {
            state.withLock { state in
                state.attempted = true
                state.listening = false
            }
            attempts.ring()
        }

        /// Listens until the task is cancelled, connecting again after a drop (after 0.1 s, doubling to 5 s).
        func listen(_ client: PostgresClient, logger: Logger) async {
            var delay = 0.1
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: PostgresJobStore.changeChannel) { notifications in
                            self.listened()
                            delay = 0.1
                            for try await notification in notifications { self.received(notification.payload) }
                        }
                    }
                } catch {
                    if !Task.isCancelled {
                        logger.warning("the store's change listener lost its connection", metadata: ["error": "\(StoreError(error))"])
                    }
                }
                lost()
                if Task.isCancelled { break }
                try? await Task.sleep(for: .seconds(delay))
                delay = min(delay * 2, 5)
            }
        }
    }
}
