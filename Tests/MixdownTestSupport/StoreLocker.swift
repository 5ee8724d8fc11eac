internal import Foundation

/// Another process holding an SQLite file's write lock (`BEGIN IMMEDIATE` from Python's sqlite3), the
/// way a stuck or slow writer on the same store would: the store is readable but cannot be written.
public final class StoreLocker: @unchecked Sendable {
    private let process: Process
    private let input: Pipe

    /// Returns once the lock is held.
    public init(path: String) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-u", "-c",
            "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1], isolation_level=None)\nc.execute('BEGIN IMMEDIATE')\nprint('locked')\nsys.stdin.read()\nc.execute('ROLLBACK')\nprint('released')\n",
            path,
        ]
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The "locked" line is the event.
        var buffer = Data()
        while !String(decoding: buffer, as: UTF8.self).contains("locked") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw TestSupportError("could not lock \(path)") }
            buffer.append(chunk)
        }
        self.output = output
    }

    private var output: Pipe?

    /// Gives the lock back and returns once it is released.
    public func release() {
        try? input.fileHandleForWriting.close()
        guard let output else { return }
        var buffer = Data()
        while !String(decoding: buffer, as: UTF8.self).contains("released") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
        }
        self.output = nil
    }

    deinit {
        release()
    }
}
