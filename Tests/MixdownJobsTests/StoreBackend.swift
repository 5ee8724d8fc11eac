import Foundation
import MixdownJobs
import MixdownTestSupport

/// Every store backend the suite runs against. A networked backend joins by adding a case here:
/// the tests are written once.
enum StoreBackend: String, CaseIterable, Sendable {
    case sqlite
    /// A database of its own on the test process's PostgreSQL (``PostgresTestServer``).
    case postgres
    /// A real sqld, one per configuration (an empty database each).
    case libsql

    /// A fresh configuration pointing at an empty store and storage.
    func configuration(_ label: String = "store") throws -> MixdownConfiguration {
        let directory = try TestMedia.temporaryDirectory(label)
        return MixdownConfiguration(
            store: try storeSetting(in: directory),
            storage: directory.appendingPathComponent("storage").path,
            pollSeconds: 0.5,
            leaseSeconds: 5,
            maxAttempts: 3,
            retryBackoffSeconds: 0
        )
    }

    /// `MIXDOWN_STORE` for a new, empty store (a file in `directory`, or a new database).
    func storeSetting(in directory: URL) throws -> String {
        switch self {
        case .sqlite: "sqlite:\(directory.appendingPathComponent("mixdown.sqlite").path)"
        case .postgres: try PostgresTestServer.freshDatabaseURL()
        case .libsql: try LibSQLTestServer.start().url
        }
    }

    func services(_ configuration: MixdownConfiguration) throws -> MixdownServices {
        try MixdownServices.make(configuration)
    }
}

func newJob(
    _ type: JobType = .save,
    recipe: String = "version: 1\nkind: edit\n",
    key: String? = nil,
    timeout: Double = 60,
    maxAttempts: Int = 3
) -> NewJob {
    NewJob(
        type: type,
        recipe: recipe,
        recipeName: "test.yaml",
        parameters: JobParameters(),
        idempotencyKey: key,
        maxAttempts: maxAttempts,
        timeoutSeconds: timeout
    )
}
