public import Foundation

/// A real HTTP server on 127.0.0.1 serving a folder (Python's http.server), for url and yt-dlp inputs.
public final class LoopbackHTTPServer: @unchecked Sendable {
    public let port: Int
    private let process: Process

    /// Starts the server and returns once it has said which port it bound.
    public init(serving directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", "-m", "http.server", "--bind", "127.0.0.1", "0"]
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait for the "Serving HTTP on 127.0.0.1 port N" line: an event, not a sleep.
        var buffer = Data()
        var found: Int?
        while found == nil {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            let text = String(decoding: buffer, as: UTF8.self)
            if let range = text.range(of: " port ") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                found = Int(digits)
            }
        }
        guard let port = found else {
            process.terminate()
            throw TestSupportError("the loopback HTTP server did not start")
        }
        self.port = port
        self.process = process
    }

    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)/\(path)" }

    /// Stops the server. It does not wait: swift-subprocess's monitor may reap the child first, and
    /// Foundation's `waitUntilExit` would then wait forever.
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    deinit {
        stop()
    }
}
