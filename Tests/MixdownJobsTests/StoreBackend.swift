import Foundation
import MixdownJobs
import MixdownTestSupport

/// Every store backend the suite runs against. A networked backend joins by adding a case here:
/// the tests are written once.
enum StoreBackend: String, CaseIterable, Sendable {
    case sqlite
    /// A real sqld, one per configuration (an empty database each).
    case libsql

    /// A fresh configuration pointing at an empty store and storage.
    func configuration(_ label: String = "store") throws -> MixdownConfiguration {
        let directory = try TestMedia.temporaryDirectory(label)
        switch self {
        case .sqlite:
            return MixdownConfiguration(
                store: "sqlite:\(directory.appendingPathComponent("mixdown.sqlite").path)",
                storage: directory.appendingPathComponent("storage").path,
                pollSeconds: 0.5,
                leaseSeconds: 5,
                maxAttempts: 3,
                retryBackoffSeconds: 0
            )
        case .libsql:
            return MixdownConfiguration(
                store: try LibSQLTestServer.start().url,
                storage: directory.appendingPathComponent("storage").path,
                pollSeconds: 0.5,
                leaseSeconds: 5,
                maxAttempts: 3,
                retryBackoffSeconds: 0
            )
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
