import Foundation

/// A real PostgreSQL for tests: started once per test process on a free loopback port in a temporary
/// folder, or the server `MIXDOWN_TEST_POSTGRES_URL` names. Each test gets a database of its own.
///
/// The server dies with the test process, however that ends: `postgres` runs under
/// `setpriv --pdeathsig KILL`, spawned by a thread that lives exactly as long as the server (a parent
/// death signal follows the spawning thread, not the process). As root, initdb and the server run as
/// the `postgres` user (initdb refuses root); the death signal is set after that user change, which
/// would otherwise clear it.
public enum PostgresTestServer {
    /// `postgres://user@host:port/` with a trailing slash, ready for a database name.
    public static func base() throws -> String { try server.get().base }

    /// A URL to a new, empty database.
    public static func freshDatabaseURL(_ label: String = "test") throws -> String {
        let server = try server.get()
        let name = "mixdown_\(label.filter { $0.isLetter || $0.isNumber })_\(UUID().uuidString.prefix(8).lowercased())"
        _ = try server.psql("CREATE DATABASE \(name)")
        return server.base + name
    }

    /// Runs SQL against a database of the test server (for tests that reach past the store).
    @discardableResult
    public static func psql(_ url: String, _ sql: String) throws -> String {
        try server.get().psql(sql, url: url)
    }

    /// The `psql` of the installed PostgreSQL, for tests that hold a session open in a process of its own.
    public static func psqlPath() throws -> String { "\(try server.get().bin)/psql" }

    private static let server = Result { try Server.start() }

    private struct Server: Sendable {
        var base: String
        var admin: String
        var bin: String

        func psql(_ sql: String, url: String? = nil) throws -> String {
            let status = try Shell.run("\(bin)/psql", [url ?? admin, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
            guard status.exitCode == 0 else { throw TestSupportError("psql failed on \(sql): \(status.standardError)") }
            return status.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        static func start() throws -> Server {
            let bin = try binaries()
            if let url = ProcessInfo.processInfo.environment["MIXDOWN_TEST_POSTGRES_URL"], !url.isEmpty {
                // postgres://user@host:port/db -> the same server, any database name.
                guard let slash = url.range(of: "/", options: .backwards), slash.lowerBound > url.index(url.startIndex, offsetBy: 12) else {
                    throw TestSupportError("MIXDOWN_TEST_POSTGRES_URL must look like postgres://user@host:port/database")
                }
                return Server(base: String(url[..<slash.upperBound]), admin: url, bin: bin)
            }
            sweepDeadServers()
            let root = FileManager.default.temporaryDirectory.appendingPathComponent(
                "\(folderPrefix)\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(6))"
            )
            let data = root.appendingPathComponent("data").path
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            let asRoot = getuid() == 0
            // The server's user must own the folder and reach it.
            if asRoot {
                _ = try Shell.run("/bin/chmod", ["755", root.path])
                _ = try Shell.run("/bin/chown", ["postgres", root.path])
            }
            let drop = asRoot ? ["/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"] : []
            let initCommand = drop + ["\(bin)/initdb", "-D", data, "-A", "trust", "-U", "mixdown", "--no-sync", "-E", "UTF8", "--locale=C"]
            let initdb = try Shell.run(initCommand[0], Array(initCommand.dropFirst()))
            guard initdb.exitCode == 0 else { throw TestSupportError("initdb failed: \(initdb.standardError)") }
            var lastError = ""
            // A free port can be taken between looking and binding: try a few.
            for _ in 0..<5 {
                let port = try freePort()
                let command =
                    drop + [
                        "/usr/bin/setpriv", "--pdeathsig", "KILL", "--", "\(bin)/postgres", "-D", data, "-p", String(port), "-k", root.path,
                        "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300", "-c", "fsync=off", "-c", "full_page_writes=off",
                        "-c", "shared_buffers=32MB",
                    ]
                let launch = Launch(command: command, log: root.appendingPathComponent("server.log").path)
                switch launch.waitUntilReady() {
                case .ready:
                    let base = "postgres://mixdown@127.0.0.1:\(port)/"
                    return Server(base: base, admin: base + "postgres", bin: bin)
                case .failed(let log):
                    lastError = log
                }
            }
            throw TestSupportError("postgres did not start: \(lastError)")
        }

        static func binaries() throws -> String {
            let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
            guard let newest = versions.compactMap(Int.init).max() else {
                throw TestSupportError("PostgreSQL is not installed (apt-get install postgresql), and MIXDOWN_TEST_POSTGRES_URL is not set")
            }
            return "/usr/lib/postgresql/\(newest)/bin"
        }

        static let folderPrefix = "mixdown-pg-"

        /// Removes the folders of servers whose test process has ended (they were killed with it).
        static func sweepDeadServers() {
            let temporary = FileManager.default.temporaryDirectory
            for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? [] where name.hasPrefix(folderPrefix) {
                let pid = name.dropFirst(folderPrefix.count).prefix { $0.isNumber }
                guard let pid = Int32(pid), kill(pid, 0) != 0, errno == ESRCH else { continue }
                try? FileManager.default.removeItem(at: temporary.appendingPathComponent(name))
            }
        }

        static func freePort() throws -> Int {
            let socket = try LoopbackSocket(listening: false)
            defer { socket.close() }
            return socket.port
        }
    }

    /// Spawns the server from a thread of its own that then reads the server's log until the server
    /// exits, so the spawning thread (the one the death signal watches) outlives it, and the log pipe
    /// never fills.
    private final class Launch: @unchecked Sendable {
        enum Outcome {
            case ready
            case failed(String)
        }

        private let condition = NSCondition()
        private var outcome: Outcome?

        init(command: [String], log: String) {
            let thread = Thread { [self] in run(command, log: log) }
            thread.name = "postgres test server"
            thread.start()
        }

        func waitUntilReady() -> Outcome {
            condition.lock()
            defer { condition.unlock() }
            // The server's own line is the event; the deadline only bounds a server that hangs.
            let deadline = Date().addingTimeInterval(60)
            while outcome == nil && condition.wait(until: deadline) {}
            return outcome ?? .failed("no 'ready to accept connections' within 60 s")
        }

        private func finish(_ result: Outcome) {
            condition.lock()
            if outcome == nil { outcome = result }
            condition.broadcast()
            condition.unlock()
        }

        private func run(_ command: [String], log: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: command[0])
            process.arguments = Array(command.dropFirst())
            let pipe = Pipe()
            process.standardError = pipe
            process.standardOutput = pipe
            process.standardInput = FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                finish(.failed("\(error)"))
                return
            }
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let file = FileHandle(forWritingAtPath: log)
            var text = ""
            var ready = false
            while true {
                let chunk = pipe.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                file?.write(chunk)
                if !ready {
                    text += String(decoding: chunk, as: UTF8.self)
                    ready = text.contains("database system is ready to accept connections")
                    if ready { finish(.ready) }
                }
            }
            process.waitUntilExit()
            finish(.failed(text))
        }
    }
}
