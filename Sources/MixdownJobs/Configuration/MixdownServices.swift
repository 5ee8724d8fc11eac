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
        let tools = configuration.tools
        let wake = WakeSignal()
        return MixdownServices(
            configuration: configuration,
            store: try makeStore(configuration, wake: wake),
            storage: try makeStorage(configuration),
            tools: tools,
            prober: MediaProber(tools: tools),
            wake: wake
        )
    }

    /// A PostgreSQL store rings this process's doorbell when a job becomes runnable anywhere.
    static func makeStore(_ configuration: MixdownConfiguration, wake: WakeSignal) throws -> any JobStore {
        switch StoreLocation.parse(configuration.store) {
        case .failure(let problem):
            throw MixdownConfiguration.Problem(problems: ["MIXDOWN_STORE: \(problem)"])
        case .success(.sqlite(let path)):
            return try SQLiteJobStore(path: path, busySeconds: configuration.storeBusySeconds)
        case .success(.libsql):
            // No I/O here (the factory is synchronous): the store applies its schema on first use.
            return try LibSQLJobStore(
                url: configuration.store,
                authToken: configuration.storeAuthToken,
                requestTimeoutSeconds: max(configuration.storeBusySeconds, 5),
                busySeconds: configuration.storeBusySeconds
            )
        case .success(.postgres(let url)):
            do {
                // A connection for each job slot's writes, with room for the reaper, deliveries and reads.
                return try PostgresJobStore(url: url, maximumConnections: max(4, configuration.workerConcurrency + 2), doorbell: wake)
            } catch {
                // The URL is named without its password.
                throw MixdownConfiguration.Problem(problems: ["MIXDOWN_STORE: \(error)"])
            }
        }
    }

    static func makeStorage(_ configuration: MixdownConfiguration) throws -> any StorageAdapter {
        let storage = configuration.storage
        if storage.hasPrefix("s3://") {
            do {
                return S3Storage(settings: try configuration.s3.settings(bucket: storage))
            } catch {
                throw MixdownConfiguration.Problem(problems: error.problems)
            }
        }
        return try LocalStorage(root: storage.hasPrefix("file://") ? String(storage.dropFirst("file://".count)) : storage)
    }

    /// Built from the process's environment and `.env` file, validated for the processes in `readers`.
    public static func fromEnvironment(for readers: Setting.Readers) async throws -> MixdownServices {
        try make(try MixdownConfiguration(try await MixdownEnvironment.load(), for: readers))
    }

    public var inputLimits: InputLimits {
        InputLimits(
            maximumBytes: configuration.inputLimits.maximumBytes,
            maximumDurationSeconds: configuration.inputLimits.maximumDurationSeconds,
            allowPrivateAddresses: configuration.allowPrivateURLs
        )
    }
}
