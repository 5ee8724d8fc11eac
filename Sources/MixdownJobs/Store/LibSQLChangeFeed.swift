internal import Synchronization

/// The change counter of one libSQL database, as this process sees it: cheap to read every 50 ms
/// (``JobStore/waitForChange(since:upTo:doorbell:)`` does), with no HTTP request per read.
///
/// It moves for two reasons. Commits this process makes through any ``LibSQLJobStore`` on the same
/// database move it at once (the stores share one feed per URL, like connections to one SQLite file
/// share its `data_version`). Commits from other processes and machines are seen by a poll, made by
/// whichever reader finds the last one older than `pollInterval`, of the server's replication index:
/// sqld reports its write-log position with every statement, so a `SELECT 1` learns whether anyone
/// committed without reading a table. Nobody reading means no polling at all.
final class LibSQLChangeFeed: Sendable {
    private struct State {
        var localCommits = 0
        var remote = 0
        var lastPoll: ContinuousClock.Instant?
        var polling = false
    }

    let pollInterval: Duration
    private let state = Mutex(State())

    init(pollInterval: Duration) {
        self.pollInterval = pollInterval
    }

    /// One feed per database URL in this process, so a commit by one store wakes waiters on another.
    static func shared(for url: String, pollInterval: Duration) -> LibSQLChangeFeed {
        feeds.withLock { feeds in
            if let feed = feeds[url] { return feed }
            let feed = LibSQLChangeFeed(pollInterval: pollInterval)
            feeds[url] = feed
            return feed
        }
    }

    /// A handful per process (one per database URL it uses), kept for the process's life.
    private static let feeds = Mutex<[String: LibSQLChangeFeed]>([:])

    /// Records a commit made by this process.
    func noteCommit() {
        state.withLock { $0.localCommits &+= 1 }
    }

    /// The counter; runs `poll` (which returns the server's change marker) when the last poll is older
    /// than the interval and no other reader is polling.
    func counter(poll: () async throws -> Int) async throws -> Int {
        let now = ContinuousClock.now
        let due = state.withLock { state in
            guard !state.polling, state.lastPoll.map({ now - $0 >= pollInterval }) ?? true else { return false }
            state.polling = true
            return true
        }
        if due {
            do {
                let remote = try await poll()
                state.withLock { state in
                    state.remote = remote
                    state.lastPoll = .now
                    state.polling = false
                }
            } catch {
                state.withLock { state in
                    state.lastPoll = .now
                    state.polling = false
                }
                throw error
            }
        }
        return state.withLock { $0.localCommits &+ $0.remote }
    }
}
