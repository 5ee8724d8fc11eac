public import Foundation

/// Runs a program to completion and collects its output: for test set-up and for driving the built CLI.
public enum Shell {
    public struct Status: Sendable {
        public var exitCode: Int32
        public var standardOutput: String
        public var standardError: String
    }

    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: URL? = nil) throws -> Status
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes before waiting so a chatty child never blocks on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        group.enter()
        DispatchQueue.global().async {
            outData = output.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        errData = error.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Status(
            exitCode: process.terminationStatus,
            standardOutput: String(decoding: outData, as: UTF8.self),
            standardError: String(decoding: errData, as: UTF8.self)
        )
    }

    /// The built `mixdown` executable next to the test bundle.
    public static var mixdown: String {
        let build = TestMedia.repositoryRoot.appendingPathComponent(".build/debug/mixdown").path
        if let products = Bundle.main.executableURL?.deletingLastPathComponent(),
            FileManager.default.fileExists(atPath: products.appendingPathComponent("mixdown").path)
        {
            return products.appendingPathComponent("mixdown").path
        }
        return build
    }

    /// Runs `mixdown` with arguments.
    public static func mixdown(_ arguments: [String], environment: [String: String]? = nil) throws -> Status {
        try run(mixdown, arguments, environment: environment)
    }
}
