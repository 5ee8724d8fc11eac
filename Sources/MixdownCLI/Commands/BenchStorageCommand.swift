import ArgumentParser
internal import Foundation
import MixdownJobs
import MixdownStorage

/// `mixdown bench-storage`: one upload or download through whichever storage `MIXDOWN_STORAGE`
/// configures, timed in this process, for `Benchmarks/s3.sh` (hidden from help). Prints one JSON line:
/// the seconds the transfer took and this process's peak resident memory (VmHWM) afterwards.
struct BenchStorageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-storage",
        abstract: "Time one upload or download through the configured storage.",
        shouldDisplay: false
    )

    @Option(help: "put | get")
    var mode: String

    @Option(help: "The local file: read for put, the folder it lands in for get.")
    var file: String

    @Option(help: "The storage key.")
    var key: String

    func run() async throws {
        let services = try await Services.make(for: .cli)
        let key = try StorageKey(key)
        let start = ContinuousClock.now
        switch mode {
        case "put":
            _ = try await services.storage.put(file: file, key: key, contentType: "application/octet-stream")
        case "get":
            let path = try await services.storage.localPath(for: key, downloadingInto: file)
            let elapsed = ContinuousClock.now - start
            try? FileManager.default.removeItem(atPath: path)
            Console.print(Self.report(elapsed))
            return
        default:
            throw ValidationError("--mode is put or get")
        }
        Console.print(Self.report(ContinuousClock.now - start))
    }

    static func report(_ elapsed: Duration) -> String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        let peak = (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
        return "{\"seconds\": \(seconds), \"rss\": \(peak)}"
    }
}
