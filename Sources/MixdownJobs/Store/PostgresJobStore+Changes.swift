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
    /// it has returned to its writer. A read therefore returns at once when a notification arrived since
    /// the last read, and otherwise waits up to ``settle`` for one in flight: a read that starts after
    /// another connection's commit sees it (unless the notification takes longer than ``settle``).
    final class ChangeFeed: Sendable {
        private struct State {
            var counter = 0
            /// The first connection attempt ended, listening or not: reads stop waiting for it.
            var attempted = false
            var listening = false
            var everListened = false
        }

        static let settle = 0.05
        /// How long the first read waits for the first `LISTEN`, so commits right after it are counted.
        static let firstListenSeconds = 5.0

        private let state = Mutex(State())
        /// Rung by every notification; its remembered ring is the "arrived since the last read" flag.
        private let arrivals = WakeSignal()
        private let attempts = WakeSignal()
        /// The worker doorbell of this process, rung when a job became runnable anywhere.
        private let doorbell: WakeSignal?

        init(doorbell: WakeSignal?) { self.doorbell = doorbell }

        var isListening: Bool { state.withLock { $0.listening } }

        func read() async -> Int {
            let start = ContinuousClock.now
            while !state.withLock({ $0.attempted }), ContinuousClock.now - start < .seconds(Self.firstListenSeconds), !Task.isCancelled {
                await attempts.wait(upTo: 0.1)
            }
            // Without a listening connection nothing can arrive: the poll interval is the fallback.
            if isListening { await arrivals.wait(upTo: Self.settle) }
            return state.withLock { $0.counter }
        }

        func received(_ payload: String) {
            state.withLock { $0.counter &+= 1 }
            arrivals.ring()
            if payload == JobStatus.queued.rawValue { doorbell?.ring() }
        }

        func listened() {
            let reconnected = state.withLock { state in
                defer {
                    state.attempted = true
                    state.listening = true
                    state.everListened = true
                }
                // What was committed while the listener was away is unknown: count one change, so
                // every waiter reads the store again.
                if state.everListened { state.counter &+= 1 }
                return state.everListened
            }
            attempts.ring()
            if reconnected {
                arrivals.ring()
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
