public import Foundation
public import MixdownExecution
public import MixdownPlanner

/// Media made by ffmpeg's lavfi sources, once per test process, with the same script `make demo` uses.
public enum TestMedia {
    /// The repository root, found from this file's path.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    private static let made = Result { () throws -> URL in
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mixdown-test-media-\(ProcessInfo.processInfo.processIdentifier)"
        )
        let status = try Shell.run(repositoryRoot.appendingPathComponent("Scripts/demo-media.sh").path, [directory.path, "20"])
        guard status.exitCode == 0 else { throw TestSupportError("demo-media.sh failed: \(status.standardError)") }
        return directory
    }

    /// The folder holding voice.wav (20 s), intro.wav, outro.wav, bed.wav, cover.png and episode.srt.
    public static func directory() throws -> URL { try made.get() }

    public static func path(_ name: String) throws -> String { try directory().appendingPathComponent(name).path }

    /// A fresh temporary folder for one test.
    public static func temporaryDirectory(_ label: String = "test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mixdown-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A copy of `Recipes/` with its media folder filled, so example recipes run as written.
    public static func recipesCopy() throws -> URL {
        let target = try temporaryDirectory("recipes")
        let source = repositoryRoot.appendingPathComponent("Recipes")
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) where name.hasSuffix(".yaml") {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: target.appendingPathComponent(name))
        }
        try FileManager.default.createSymbolicLink(at: target.appendingPathComponent("media"), withDestinationURL: try directory())
        return target
    }

    /// Generates a lavfi clip: `lavfi` is the source description, e.g. `sine=f=440:d=5`.
    public static func generate(_ lavfi: String, to path: String, extra: [String] = []) throws {
        let tools = MediaTools.fromEnvironment()
        let status = try Shell.run(
            tools.ffmpeg,
            ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", lavfi] + extra + [path]
        )
        guard status.exitCode == 0 else { throw TestSupportError("ffmpeg failed: \(status.standardError)") }
    }

    public static func loudness(_ path: String) async throws -> LoudnessReport {
        try await LoudnessMeter(tools: MediaTools.fromEnvironment()).measure(path)
    }

    /// Facts from a fresh prober (no cache shared between tests).
    public static func facts(_ path: String) async throws -> MediaFacts {
        try await MediaProber(tools: MediaTools.fromEnvironment()).facts(for: path)
    }
}

public struct TestSupportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
