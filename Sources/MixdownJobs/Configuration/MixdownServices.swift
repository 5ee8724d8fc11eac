internal import Foundation
public import MixdownExecution
public import MixdownStorage

/// The one factory: every entry point (CLI, worker, server, tests) builds its store, storage and tools
/// here from a ``MixdownConfiguration``, so all of them see the same jobs. Nothing else constructs a store.
public struct MixdownServices: Sendable {
    public let configuration: MixdownConfiguration
    public let store: any JobStore
    public let storage: any StorageAdapter
    public let tools: MediaTools
    public let prober: MediaProber
    /// Wakes workers in this process the moment a job is submitted here.
    public let wake: WakeSignal

    public static func make(_ configuration: MixdownConfiguration) throws -> MixdownServices {
        let storePath = configuration.store.hasPrefix("sqlite:") ? String(configuration.store.dropFirst("sqlite:".count)) : configuration.store
        let storagePath =
            configuration.storage.hasPrefix("file://") ? String(configuration.storage.dropFirst("file://".count)) : configuration.storage
        let tools = MediaTools.fromEnvironment()
        return MixdownServices(
            configuration: configuration,
            store: try SQLiteJobStore(path: storePath, busySeconds: configuration.storeBusySeconds),
            storage: try LocalStorage(root: storagePath),
            tools: tools,
            prober: MediaProber(tools: tools),
            wake: WakeSignal()
        )
    }

    /// Built from the process's environment (`MIXDOWN_*`).
    public static func fromEnvironment() throws -> MixdownServices {
        try make(try MixdownConfiguration.fromEnvironment())
    }

    public var inputLimits: InputLimits {
        InputLimits(
            maximumBytes: configuration.inputLimits.maximumBytes,
            maximumDurationSeconds: configuration.inputLimits.maximumDurationSeconds,
            allowPrivateAddresses: configuration.allowPrivateURLs
        )
    }
}

/// An in-process doorbell: `ring()` resumes whoever is waiting in `wait(upTo:)`.
public final class WakeSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var pending = false

    public init() {}

    public func ring() {
        let resumed = lock.withLock {
            let resumed = waiters
            waiters = []
            pending = resumed.isEmpty
            return resumed
        }
        for waiter in resumed { waiter.resume() }
    }

    /// Returns true when rung (or at once if rung since the last wait), false after `seconds`.
    @discardableResult
    public func wait(upTo seconds: Double) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let ready = self.lock.withLock {
                        if self.pending {
                            self.pending = false
                            return true
                        }
                        self.waiters.append(continuation)
                        return false
                    }
                    if ready { continuation.resume() }
                }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return false
            }
            let rung = await group.next() ?? false
            group.cancelAll()
            // If the timer won, resume the doorbell waiter so the group can finish.
            let stale = self.lock.withLock {
                let stale = self.waiters
                self.waiters = []
                return stale
            }
            for waiter in stale { waiter.resume() }
            return rung
        }
    }
}
