internal import Foundation

/// Reads a file's duration by reading it through, for files whose header does not say (a recording
/// streamed by a browser's MediaRecorder, raw MJPEG): ffmpeg copies every packet to nowhere, which
/// costs a read of the file, not a decode, and reports how far it got.
public struct DurationReader: Sendable {
    public let tools: MediaTools

    public init(tools: MediaTools) {
        self.tools = tools
    }

    /// Seconds, or nil when ffmpeg cannot read the file through.
    public func duration(of path: String) async throws -> Double? {
        try await duration(of: path, restrictions: [])
    }

    /// The same for media read from a URL, under ``MediaProber/remoteReadArguments``.
    public func duration(ofURL url: String) async throws -> Double? {
        try await duration(of: url, restrictions: MediaProber.remoteReadArguments)
    }

    private func duration(of path: String, restrictions: [String]) async throws -> Double? {
        let latest = LatestValue()
        let outcome = try await ChildProcess.run(
            tools.ffmpeg,
            ["-nostdin", "-v", "error"] + restrictions + ["-i", path, "-map", "0", "-c", "copy", "-f", "null", "-progress", "pipe:1", "-"],
            onLine: { line in
                if line.hasPrefix("out_time_us="), let micros = Double(line.dropFirst("out_time_us=".count)), micros.isFinite, micros >= 0 {
                    latest.set(micros / 1_000_000)
                }
            }
        )
        return outcome.succeeded ? latest.value : nil
    }

    private final class LatestValue: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: Double?
        func set(_ value: Double) { lock.withLock { stored = max(stored ?? 0, value) } }
        var value: Double? { lock.withLock { stored } }
    }
}
