import ArgumentParser
import Foundation
import Hummingbird
import Logging
import MixdownExecution
import MixdownJobs
import MixdownServer
import ServiceLifecycle
import UnixSignals

/// `mixdown render-node`: the render service side of the dispatch protocol (Docs/render-dispatch.md).
struct RenderNodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render-node",
        abstract: "Serve POST /v1/dispatch: run renders sent by workers and call their webhook back."
    )

    @Option(help: "Address to listen on (default 127.0.0.1).")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on, 0 for any free one.")
    var port = 8090

    func run() async throws {
        let settings = try await Services.configuration(for: .renderNode)
        // Folders that nodes killed outright left behind go; then a fresh one only this user can read.
        let temporary = FileManager.default.temporaryDirectory.path
        RenderNodeWorkFolder.sweep(in: temporary)
        guard let folder = RenderNodeWorkFolder.make(in: temporary) else {
            Console.error("cannot make a work folder in \(temporary)")
            throw ExitStatus.configuration
        }
        defer { folder.remove() }
        let work = folder.path
        var configuration = RenderNodeConfiguration(
            token: settings.renderToken ?? "",
            callbackSecret: settings.server.webhookSecret ?? "",
            callbackOrigin: settings.renderCallbackOrigin ?? "",
            workDirectory: work,
            tools: settings.tools
        )
        configuration.host = host
        configuration.port = port
        configuration.concurrency = settings.renderConcurrency
        configuration.limits.maximumBytes = settings.limits.maximumBytes
        configuration.limits.maximumDurationSeconds = settings.limits.maximumDurationSeconds
        configuration.renderDevice = settings.renderDevice
        var logger = Logger(label: "mixdown.render-node")
        logger.logLevel = .info
        let host = configuration.host
        let node = RenderNode(configuration: configuration, logger: logger)
        let application = node.application { port in
            Console.print("mixdown render node listening on http://\(host):\(port)")
        }
        // Services shut down last to first: the drain (stop renders, send their callbacks) runs while the
        // server still answers, and the server stops after it.
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: application), .init(service: Drain(node: node))],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}

/// On SIGTERM or SIGINT: the node's running dispatches stop and call back before the process ends.
private struct Drain: Service {
    let node: RenderNode

    func run() async throws {
        try? await gracefulShutdown()
        await node.drain(grace: .seconds(20))
    }
}
