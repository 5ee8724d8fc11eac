import Foundation

/// A real S3-protocol server for tests: moto (`moto[server]` 5.2.1) on a free loopback port, path-style,
/// accepting any credentials and checking no signatures. Also the fault-injecting proxy put in front of
/// it by the retry and abort tests.
///
/// The child is started through `Scripts/s3-test-server.py`, which exits as soon as its stdin closes.
/// The test process holds the only write end of that pipe, so however the test process ends (even
/// SIGKILL), the kernel closes it and the server goes too. (`setpriv --pdeathsig` would tie the child
/// to the thread that spawned it, and the thread pools' idle threads exit.)
public final class S3TestServer: @unchecked Sendable {
    public let port: Int
    private let process: Process
    private let input: Pipe
    private let output: Pipe

    /// The endpoint URL to give the adapter.
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// One moto per test process, shared by the tests; each test makes its own bucket.
    public static func shared() throws -> S3TestServer { try sharedServer.get() }

    private static let sharedServer = Result { try S3TestServer(["moto"]) }

    /// Starts moto.
    public convenience init() throws { try self.init(["moto"]) }

    init(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", TestMedia.repositoryRoot.appendingPathComponent("Scripts/s3-test-server.py").path] + arguments
        let output = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line is the port: an event to wait on, not a sleep.
        var buffer = Data()
        while !buffer.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
        }
        guard let line = String(decoding: buffer, as: UTF8.self).split(separator: "\n").first, let port = Int(line) else {
            kill(process.processIdentifier, SIGKILL)
            throw TestSupportError("the S3 test server (\(arguments.joined(separator: " "))) did not start; is moto[server] installed?")
        }
        self.port = port
        self.process = process
        self.input = input
        self.output = output
    }

    /// Blocks until the child prints a line holding `text` (after its port line).
    func waitForOutput(_ text: String) throws {
        var buffer = Data()
        while !String(decoding: buffer, as: UTF8.self).contains(text) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw TestSupportError("the S3 test server ended before printing '\(text)'") }
            buffer.append(chunk)
        }
    }

    /// Creates a bucket (moto takes an unsigned request).
    public func createBucket(_ name: String) throws {
        let status = try Shell.run("curl", ["-sS", "-f", "-X", "PUT", "\(endpoint)/\(name)"])
        guard status.exitCode == 0 else { throw TestSupportError("cannot create bucket \(name): \(status.standardError)") }
    }

    /// A fresh bucket name for one test.
    public func makeBucket(_ label: String) throws -> String {
        let name = "\(label)-\(UUID().uuidString.prefix(8).lowercased())"
        try createBucket(name)
        return name
    }

    /// Stops the server: closing its stdin ends it.
    public func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    deinit {
        stop()
    }
}

/// An HTTP proxy in front of an ``S3TestServer`` that answers chosen requests with a fault.
public final class S3FaultProxy: @unchecked Sendable {
    /// A request whose `METHOD /path?query` line contains `match` gets `status` with an S3 error document
    /// holding `code`, for the first `times` such requests; later ones are forwarded.
    public struct Rule: Sendable, Codable {
        public var match: String
        public var status: Int
        public var code: String
        public var times: Int
        /// Instead of answering, hold the request until the client gives up.
        public var hang: Bool

        public init(match: String, status: Int, code: String, times: Int, hang: Bool = false) {
            self.match = match
            self.status = status
            self.code = code
            self.times = times
            self.hang = hang
        }
    }

    /// How many requests a rule matched, and how many of them it answered with its fault.
    public struct Count: Sendable, Codable, Equatable {
        public var seen: Int
        public var faulted: Int

        public init(seen: Int, faulted: Int) {
            self.seen = seen
            self.faulted = faulted
        }
    }

    private let server: S3TestServer

    public var endpoint: String { server.endpoint }

    public init(upstream: S3TestServer, rules: [Rule]) throws {
        let json = String(decoding: try JSONEncoder().encode(rules), as: UTF8.self)
        server = try S3TestServer(["proxy", String(upstream.port), json])
    }

    /// Each rule's counts, in the order given.
    public func counts() throws -> [Count] {
        let status = try Shell.run("curl", ["-sS", "-f", "\(server.endpoint)/__faults"])
        guard status.exitCode == 0 else { throw TestSupportError("the fault proxy did not answer: \(status.standardError)") }
        return try JSONDecoder().decode([Count].self, from: Data(status.standardOutput.utf8))
    }

    /// Waits until a `hang` rule holds a request.
    public func waitForHang() async throws {
        let server = self.server
        try await Task.detached { try server.waitForOutput("hang") }.value
    }

    public func stop() { server.stop() }
}
