/// The dispatches a render node runs, at most `capacity` at once, one per job.
actor DispatchRegistry {
    enum Admission: Equatable {
        case started, busy, duplicate
    }

    let capacity: Int
    private var running: [String: (run: Int, task: Task<Void, Never>)] = [:]
    private var runs = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Starts `body` for `jobId` unless the node is full or already runs that job.
    func start(_ jobId: String, _ body: @escaping @Sendable () async -> Void) -> Admission {
        guard running[jobId] == nil else { return .duplicate }
        guard running.count < capacity else { return .busy }
        runs += 1
        let run = runs
        running[jobId] = (
            run,
            Task {
                await body()
                self.finished(jobId, run: run)
            }
        )
        return .started
    }

    /// Stops the dispatch of `jobId`; false when none runs. It stops counting at once: what is left of it
    /// is sending its callback and removing its folder.
    func cancel(_ jobId: String) -> Bool {
        guard let entry = running.removeValue(forKey: jobId) else { return false }
        entry.task.cancel()
        return true
    }

    var count: Int { running.count }

    /// Forgets a run that ended, unless a later dispatch of the same job has taken its place.
    private func finished(_ jobId: String, run: Int) {
        if running[jobId]?.run == run { running[jobId] = nil }
    }
}
