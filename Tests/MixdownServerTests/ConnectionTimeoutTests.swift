import Foundation
import HTTPTypes
import Hummingbird
import MixdownJobs
import MixdownServer
import NIOCore
import NIOPosix
import Testing

/// Connections that stall are closed: one that sends nothing or half a request head after the idle
/// timeout, one whose body stops after the body timeout. Each test holds raw TCP connections on loopback
/// and waits for the server to close them (the client's channel sees EOF and closes); nothing is timed.
@Suite("Connection timeouts")
struct ConnectionTimeoutTests {
    /// Runs `body` against a live server with these timeouts (and no worker: no job runs here). The test
    /// client of `test(.live)` is not used: its own idle connection would be closed under it.
    static func withServer(
        idle: Double,
        body bodyTimeout: Double,
        maxUploadBytes: Int = 100_000_000,
        _ body: @escaping @Sendable (Int) async throws -> Void
    ) async throws {
        let harness = try APIHarness(maxUploadBytes: maxUploadBytes)
        var configuration = harness.configuration
        configuration.idleTimeoutSeconds = idle
        configuration.bodyTimeoutSeconds = bodyTimeout
        let api = MixdownAPI(services: harness.services, configuration: configuration)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await api.application { portContinuation.yield($0) }.runService(gracefulShutdownSignals: [])
            }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await body(port)
            group.cancelAll()
        }
    }

    /// Connects, sends `bytes`, then waits until the server closes the connection.
    static func heldConnection(port: Int, sending bytes: String) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port)
            .get()
        // On a loaded machine the server's timeout may pass before the bytes go out; that closure is the
        // event this waits for too.
        if !bytes.isEmpty {
            do {
                try await channel.writeAndFlush(ByteBuffer(string: bytes))
            } catch ChannelError.ioOnClosedChannel {}
        }
        // The event: the server closed its end (a read returned EOF) and the channel closed with it.
        try await channel.closeFuture.get()
    }

    @Test("a connection that sends nothing, or half a request line or half the headers, is closed", .timeLimit(.minutes(1)))
    func idleAndPartialHeaders() async throws {
        try await Self.withServer(idle: 1, body: 600) { port in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for bytes in ["", "GET /hea", "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Half: a"] {
                    group.addTask { try await Self.heldConnection(port: port, sending: bytes) }
                }
                try await group.waitForAll()
            }
        }
    }

    @Test("a body that stops after one of its 1,000,000 bytes is cut off by the body timeout", .timeLimit(.minutes(1)))
    func stalledBody() async throws {
        // The idle timeout is far off: only the body timeout can close this connection.
        try await Self.withServer(idle: 600, body: 1) { port in
            let head = "POST /v1/uploads?filename=slow.wav HTTP/1.1\r\nHost: localhost\r\nContent-Type: audio/wav\r\nContent-Length: 1000000\r\n\r\n"
            try await Self.heldConnection(port: port, sending: head + "R")
        }
    }

    @Test("a body that trickles, one byte at a time, is cut off too", .timeLimit(.minutes(1)))
    func tricklingBody() async throws {
        try await Self.withServer(idle: 600, body: 1) { port in
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port)
                .get()
            let head = "POST /v1/uploads?filename=slow.wav HTTP/1.1\r\nHost: localhost\r\nContent-Type: audio/wav\r\nContent-Length: 1000000\r\n\r\n"
            try await channel.writeAndFlush(ByteBuffer(string: head))
            // Keeps sending, far below 1 KiB a window, until the server closes; the pause only paces the bytes,
            // the close is what the test waits for.
            while channel.isActive {
                do {
                    try await channel.writeAndFlush(ByteBuffer(string: "R"))
                } catch {
                    break
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            try await channel.closeFuture.get()
        }
    }

    @Test("prompt requests, with and without a body, are answered on a server with short timeouts", .timeLimit(.minutes(1)))
    func promptRequests() async throws {
        // Short enough to be configured, long enough that a loaded test machine still answers in time.
        try await Self.withServer(idle: 15, body: 15) { port in
            let health = try await Self.exchange(port: port, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            #expect(health.hasPrefix("HTTP/1.1 200 "), "\(health)")
            let recipe = "version: 1\nkind: edit\ninputs: { v: { upload: true } }\noutputs: { o: {} }\n"
            let validate = try await Self.exchange(
                port: port,
                "POST /v1/recipes/validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/yaml\r\n"
                    + "Content-Length: \(recipe.utf8.count)\r\nConnection: close\r\n\r\n\(recipe)"
            )
            // Read whole and judged as a submission would be: the upload it names is missing.
            #expect(validate.hasPrefix("HTTP/1.1 422 ") && validate.contains("invalid-recipe"), "\(validate)")
        }
    }

    /// A raw TCP connection to the server on loopback, reading through `handler`, with `request` sent.
    static func send(_ request: String, port: Int, to handler: some ChannelInboundHandler & Sendable) async throws -> any Channel {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        try await channel.writeAndFlush(ByteBuffer(string: request))
        return channel
    }

    /// Sends a whole request and returns everything the server sent until it closed.
    static func exchange(port: Int, _ request: String) async throws -> String {
        let collector = ResponseCollector()
        _ = try await send(request, port: port, to: collector)
        return try await collector.response.futureResult.get()
    }

    @Test("the timeouts come from the environment, checked at start-up")
    func configuration() throws {
        let defaults = try ServerConfiguration.fromEnvironment([:])
        #expect(defaults.idleTimeoutSeconds == 60 && defaults.bodyTimeoutSeconds == 30)
        let set = try ServerConfiguration.fromEnvironment(["MIXDOWN_IDLE_TIMEOUT_SECONDS": "5", "MIXDOWN_BODY_TIMEOUT_SECONDS": "2.5"])
        #expect(set.idleTimeoutSeconds == 5 && set.bodyTimeoutSeconds == 2.5)
        #expect(throws: ServerConfiguration.Problem.self) {
            try ServerConfiguration.fromEnvironment(["MIXDOWN_IDLE_TIMEOUT_SECONDS": "0", "MIXDOWN_BODY_TIMEOUT_SECONDS": "soon"])
        }
        do {
            _ = try ServerConfiguration.fromEnvironment(["MIXDOWN_IDLE_TIMEOUT_SECONDS": "-1", "MIXDOWN_BODY_TIMEOUT_SECONDS": "inf"])
        } catch let problem as ServerConfiguration.Problem {
            #expect(problem.problems.count == 2, "every problem named at once")
        }
    }
}

/// Collects what the server sends until it closes the connection.
final class ResponseCollector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    let response = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: String.self)
    private var received = ByteBuffer()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received.writeBuffer(&buffer)
    }

    func channelInactive(context: ChannelHandlerContext) {
        response.succeed(String(buffer: received))
        context.fireChannelInactive()
    }

    /// A reset ends the exchange too; what came before it is still the answer.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
