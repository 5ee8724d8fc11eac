internal import Foundation

/// A TCP forwarder on loopback (a Python asyncio process) in front of a real server: killing it is an
/// outage as a client sees one (every connection reset, new ones refused); starting another on the same
/// port ends it.
public final class TCPProxy: @unchecked Sendable {
    public let port: Int
    public let target: Int
    private var process: BackgroundProcess?

    static let script = """
        import asyncio, sys
        listen, target = int(sys.argv[1]), int(sys.argv[2])
        async def pipe(reader, writer):
            try:
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            except Exception:
                pass
            finally:
                writer.close()
        async def handle(reader, writer):
            try:
                upstream_reader, upstream_writer = await asyncio.open_connection('127.0.0.1', target)
            except Exception:
                writer.close()
                return
            await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))
        async def main():
            server = await asyncio.start_server(handle, '127.0.0.1', listen, reuse_address=True)
            async with server:
                await server.serve_forever()
        asyncio.run(main())
        """

    /// Starts a forwarder from a free port to `target` and returns once it accepts connections.
    public init(target: Int) async throws {
        let probe = try Shell.run("python3", ["-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"])
        guard let port = Int(probe.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestSupportError("no free port: \(probe.standardError)")
        }
        self.port = port
        self.target = target
        try await start()
    }

    /// Starts the forwarder again on the same port.
    public func start() async throws {
        process = try await BackgroundProcess("/usr/bin/env", ["python3", "-c", Self.script, String(port), String(target)])
        // The event: a connection is accepted. Until the process has bound the port, connects are refused.
        for _ in 0..<200 {
            if Self.accepts(port) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSupportError("the TCP proxy did not start on port \(port)")
    }

    /// Kills the forwarder: its connections are reset and the port refuses new ones.
    public func stop() async throws {
        guard let process else { return }
        self.process = nil
        process.signal(SIGKILL)
        _ = try? await process.wait()
    }

    static func accepts(_ port: Int) -> Bool {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    deinit {
        process?.signal(SIGKILL)
    }
}
