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
        let wake = WakeSignal()
        return MixdownServices(
            configuration: configuration,
            store: try makeStore(configuration, sqlitePath: storePath, wake: wake),
            storage: try LocalStorage(root: storagePath),
            tools: tools,
            prober: MediaProber(tools: tools),
            wake: wake
        )
    }

    /// `postgres://` and `postgresql://` settings name a PostgreSQL store, which rings this process's
    /// doorbell when a job becomes runnable anywhere; any other setting is a SQLite file.
    static func makeStore(_ configuration: MixdownConfiguration, sqlitePath: String, wake: WakeSignal) throws -> any JobStore {
        if PostgresJobStore.Location.matches(configuration.store) {
            return try PostgresJobStore(url: configuration.store, doorbell: wake)
        }
        return try SQLiteJobStore(path: sqlitePath, busySeconds: configuration.storeBusySeconds)
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
