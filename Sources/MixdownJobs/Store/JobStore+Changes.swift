internal import ServiceLifecycle

extension JobStore {
    /// Waits until another connection commits (the change counter moves off `counter`), `doorbell` rings, or
    /// `seconds` pass, reading the counter every 50 ms (a PRAGMA on SQLite: no table is read). Returns the
    /// latest counter; returns early when the task is cancelled or its service group shuts down.
    public func waitForChange(since counter: Int, upTo seconds: Double, doorbell: WakeSignal? = nil) async -> Int {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var latest = counter
        while ContinuousClock.now < deadline && !Task.isCancelled && !Task.isShuttingDownGracefully {
            if let doorbell {
                if await doorbell.wait(upTo: 0.05) { break }
            } else {
                try? await Task.sleep(for: .milliseconds(50))
            }
            latest = (try? await changeCounter()) ?? latest
            if latest != counter { break }
        }
        return latest
    }
}
