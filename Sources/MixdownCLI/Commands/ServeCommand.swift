import ArgumentParser
import Hummingbird
import Logging
import MixdownJobs
import MixdownServer
import ServiceLifecycle
import UnixSignals

/// Options shared by `serve` and `dev`.
struct ServerOptions: ParsableArguments {
    @Option(help: "Address to listen on (MIXDOWN_HOST, default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on, 0 for any free one (MIXDOWN_PORT, default 8080).")
    var port: Int?

    func configuration(_ settings: MixdownConfiguration) -> ServerConfiguration {
        var configuration = ServerConfiguration(settings)
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        return configuration
    }
}

/// Runs the API (and, for `dev`, a worker) until SIGTERM or SIGINT.
enum ServerRunner {
    static func run(_ options: ServerOptions, withWorker: Bool) async throws {
        let services = try await Services.make(for: withWorker ? [.server, .worker] : .server)
        let configuration = options.configuration(services.configuration)
        let api = MixdownAPI(services: services, configuration: configuration)
        var logger = Logger(label: "mixdown")
        logger.logLevel = .info
        // Upload bodies a killed server was receiving; those of live servers on this host stay.
        WorkFolders.sweepUploads(logger: logger)
        let application = api.application { port in
            Console.print("mixdown API listening on http://\(configuration.isLoopbackOnly ? "127.0.0.1" : configuration.host):\(port)")
        }
        var members: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: application)]
        if withWorker {
            members.append(.init(service: Worker(services: services, logger: logger), successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(configuration: .init(services: members, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// `mixdown serve`: the HTTP API on the configured store; workers run separately.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve the HTTP API (workers run as separate processes).")

    @OptionGroup var options: ServerOptions

    func run() async throws {
        try await ServerRunner.run(options, withWorker: false)
    }
}

/// `mixdown dev`: the API with an embedded worker on the embedded defaults, for a person trying it out.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dev", abstract: "Serve the HTTP API with an embedded worker.")

    @OptionGroup var options: ServerOptions

    func run() async throws {
        try await ServerRunner.run(options, withWorker: true)
    }
}
