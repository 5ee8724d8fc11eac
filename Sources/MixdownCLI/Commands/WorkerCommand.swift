import ArgumentParser
import Logging
import MixdownJobs
import ServiceLifecycle
import UnixSignals

/// `mixdown worker`: claims and runs jobs from the configured store until SIGTERM or SIGINT.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run jobs from the store; SIGTERM finishes (or hands back) the current job and stops."
    )

    @Flag(help: "Exit once no job is queued, instead of waiting for more.")
    var exitWhenIdle = false

    func run() async throws {
        let services = try await Services.make(for: .worker)
        var logger = Logger(label: "mixdown.worker")
        logger.logLevel = .info
        let worker = Worker(services: services, exitWhenIdle: exitWhenIdle, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}
