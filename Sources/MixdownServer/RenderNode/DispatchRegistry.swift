/// The dispatches a render node runs, at most `capacity` at once, one per job.
///
/// A dispatch holds a slot while it renders; its callback is delivered after the slot is freed (an API
/// that is down must not stop every node from working), but its job id stays taken until the callback
/// is out. A repeat of the same dispatch (same job and dispatch id: a worker whose answer was lost) is
/// told it runs; another dispatch of the job meanwhile gets 409. A stopped dispatch keeps its slot until
/// its render has actually ended.
actor DispatchRegistry {
    enum Admission: Equatable {
        case started, busy, duplicate
        /// This very dispatch already runs (or is delivering its callback).
        case running
    }

    let capacity: Int
    private var rendering: [String: Task<Void, Never>] = [:]
    private var delivering: Set<String> = []
    /// The dispatch id of each job taken, rendering or delivering.
    private var dispatches: [String: String] = [:]
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
        dispatchId: String,
        render: @escaping @Sendable () async -> Outcome,
        deliver: @escaping @Sendable (Outcome) async -> Void
    ) -> Admission {
        if let taken = dispatches[jobId] { return taken == dispatchId ? .running : .duplicate }
        guard rendering.count < capacity, !closed else { return .busy }
        dispatches[jobId] = dispatchId
        rendering[jobId] = Task {
            let outcome = await render()
            self.rendered(jobId)
            // Not cancelled with the render: a stopped dispatch still says so.
            await Task { await deliver(outcome) }.value
            self.delivered(jobId)
        }
        return .started
    }

    /// Stops the render of `jobId` (only when it is dispatch `dispatchId`, if given); false when none such renders.
    func cancel(_ jobId: String, dispatchId: String? = nil) -> Bool {
        guard let task = rendering[jobId], dispatchId == nil || dispatches[jobId] == dispatchId else { return false }
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
        dispatches[jobId] = nil
        guard rendering.isEmpty, delivering.isEmpty else { return }
        for waiter in idleWaiters { waiter.resume() }
        idleWaiters = []
    }
}
