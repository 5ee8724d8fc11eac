/// The dispatches a render node runs, at most `capacity` at once, one per job.
///
/// A dispatch holds a slot while it renders; its callback is delivered after the slot is freed (an API
/// that is down must not stop every node from working), but its job id stays taken until the callback
/// is out, so a repeat of the dispatch meanwhile gets 409. A stopped dispatch keeps its slot until its
/// render has actually ended.
actor DispatchRegistry {
    enum Admission: Equatable {
        case started, busy, duplicate
    }

    let capacity: Int
    private var rendering: [String: Task<Void, Never>] = [:]
    private var delivering: Set<String> = []
    /// Shutting down: nothing new starts.
    private var closed = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Starts `render` for `jobId` unless the node is full or already has that job; `deliver` runs with
    /// what `render` returned once the slot is free.
    func start<Outcome: Sendable>(
        _ jobId: String,
        render: @escaping @Sendable () async -> Outcome,
        deliver: @escaping @Sendable (Outcome) async -> Void
    ) -> Admission {
        guard rendering[jobId] == nil, !delivering.contains(jobId) else { return .duplicate }
        guard rendering.count < capacity, !closed else { return .busy }
        rendering[jobId] = Task {
            let outcome = await render()
            self.rendered(jobId)
            // Not cancelled with the render: a stopped dispatch still says so.
            await Task { await deliver(outcome) }.value
            self.delivered(jobId)
        }
        return .started
    }

    /// Stops the render of `jobId`; false when none renders.
    func cancel(_ jobId: String) -> Bool {
        guard let task = rendering[jobId] else { return false }
        task.cancel()
        return true
    }

    /// Dispatches rendering now.
    var count: Int { rendering.count }

    /// Refuses new dispatches from now on and stops every render; each still calls back.
    func close() {
        closed = true
        for task in rendering.values { task.cancel() }
    }

    /// Returns once nothing renders and no callback is on its way.
    func waitUntilIdle() async {
        guard !rendering.isEmpty || !delivering.isEmpty else { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }

    private func rendered(_ jobId: String) {
        rendering[jobId] = nil
        delivering.insert(jobId)
    }

    private func delivered(_ jobId: String) {
        delivering.remove(jobId)
        guard rendering.isEmpty, delivering.isEmpty else { return }
        for waiter in idleWaiters { waiter.resume() }
        idleWaiters = []
    }
}
