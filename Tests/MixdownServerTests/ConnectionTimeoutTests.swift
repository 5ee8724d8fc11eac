import Foundation
import HTTPTypes
import HummingbirdTesting
import MixdownServer
import NIOCore
import NIOPosix
import Testing

/// Connections that stall are closed: one that sends nothing or half a request head after the idle
/// timeout, one whose body stops after the body timeout. Each test holds raw TCP connections on loopback
/// and waits for the server to close them (the client's channel sees EOF and closes); nothing is timed.
@Suite("Connection timeouts")
struct ConnectionTimeoutTests {
    /// Runs `body` against a live server with these timeouts (and no worker: no job runs here).
    static func withServer(idle: Double, body bodyTimeout: Double, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let harness = try APIHarness()
        var configuration = harness.configuration
        configuration.idleTimeoutSeconds = idle
        configuration.bodyTimeoutSeconds = bodyTimeout
        let api = MixdownAPI(services: harness.services, configuration: configuration)
        try await api.application().test(.live) { client in
            try await body(try #require(client.port))
        }
    }

    /// Connects, sends `bytes`, then waits until the server closes the connection.
    static func heldConnection(port: Int, sending bytes: String) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port)
            .get()
        if !bytes.isEmpty { try await channel.writeAndFlush(ByteBuffer(string: bytes)) }
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

    @Test("a prompt request on a server with short timeouts is answered")
    func promptRequest() async throws {
        let harness = try APIHarness()
        var configuration = harness.configuration
        configuration.idleTimeoutSeconds = 1
        configuration.bodyTimeoutSeconds = 1
        try await MixdownAPI(services: harness.services, configuration: configuration).application().test(.live) { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
        }
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
