import Foundation
import MixdownExecution
import MixdownPlanner
import MixdownRecipe
import MixdownTestSupport
import Synchronization
import Testing

/// An output's `expect` is measured from the audio on its way to the encoder, not by decoding the
/// written file again.
@Suite("Output meters")
struct OutputMeterTests {
    /// A harness whose ffmpeg is the real one behind a script that logs each command line, so a test can
    /// see which files ffmpeg was asked to read.
    static func loggingHarness() throws -> (ExecutionHarness, log: String) {
        var harness = try ExecutionHarness()
        let log = harness.directory.appendingPathComponent("ffmpeg.log").path
        let wrapper = harness.directory.appendingPathComponent("ffmpeg").path
        try "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '\(log)'\nexec '\(harness.tools.ffmpeg)' \"$@\"\n".write(
            toFile: wrapper,
            atomically: true,
            encoding: .utf8
        )
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: wrapper)
        harness.tools.ffmpeg = wrapper
        try TestMedia.generate(
            "aevalsrc=0.2*sin(2*PI*440*t)|0.2*sin(2*PI*440*t):s=48000:d=6",
            to: harness.directory.appendingPathComponent("stereo.wav").path
        )
        try TestMedia.generate(
            "aevalsrc=0.2*sin(2*PI*440*t)|0.3*sin(2*PI*660*t):s=48000:d=6",
            to: harness.directory.appendingPathComponent("stereo24.wav").path,
            extra: ["-c:a", "pcm_s24le"]
        )
        // A tone on the left channel only: folding it to mono halves its power.
        try TestMedia.generate("aevalsrc=0.2*sin(2*PI*440*t)|0:s=48000:d=6", to: harness.directory.appendingPathComponent("left.wav").path)
        return (harness, log)
    }

    /// The ffmpeg command lines that read a written output back (its temporary name ends in .partial).
    static func decodesOfOutputs(_ log: String) throws -> [String] {
        try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init).filter { $0.contains(/-i \S+\.partial/) }
    }

    /// The integrated loudness an expectation-failed message reports.
    static func reportedLufs(_ message: String) throws -> Double {
        let pattern = /integrated loudness (-?[0-9.]+) LUFS/
        let match = try #require(message.firstMatch(of: pattern))
        return try #require(Double(match.1))
    }

    @Test("an mp3's loudness expect is met from its meter: ffmpeg never decodes the written file; a peak expect on it reads the file")
    func metered() async throws {
        let (harness, log) = try Self.loggingHarness()
        func recipe(_ expect: String) -> String {
            """
            version: 1
            kind: edit
            inputs: { v: { file: voice.wav } }
            steps:
              - highpass: 80Hz
              - loudnorm: { target: -16, true_peak: -1.5 }
            outputs:
              out: { format: mp3, expect: { \(expect) } }
            """
        }
        let outputs = try await harness.run(recipe("lufs: [-16.5, -15.5], duration: [19.9, 20.1]"))
        #expect(outputs["out"]?.durationSeconds ?? 0 > 19.9)
        #expect(try Self.decodesOfOutputs(log).isEmpty)
        // What the meter passed is what the file holds.
        let file = try await TestMedia.loudness(try #require(outputs["out"]).path)
        #expect(abs(file.integratedLufs + 16) < 0.5)
        // A lossy file's peaks are its decoder's (codec overshoot included): read from the file.
        _ = try await harness.run(recipe("lufs: [-16.5, -15.5], true_peak_max: -0.5"))
        #expect(try Self.decodesOfOutputs(log).count == 1)
    }

    @Test(
        "an expect never changes the file: written with and without one, a lossless output is the same bytes (metered, or decoded where a conversion stands between)",
        arguments: [
            ("wav", "stereo.wav", "gain: -1dB", "", false),
            ("flac", "stereo.wav", "gain: -1dB", "", false),
            // 24-bit samples through a step that keeps their format, then rounded to the wav's 16 bits.
            ("wav", "stereo24.wav", "trim: { start: 0.5s }", "", false),
            ("flac", "stereo24.wav", "fade: { in: 1s }", "", false),
            ("mp3", "stereo.wav", "gain: -1dB", "", false),
            ("flac", "left.wav", "gain: -1dB", "channels: 1, ", true),
            ("wav", "left.wav", "gain: -1dB", "sample_rate: 44100, ", true),
        ]
    )
    func unchanged(format: String, input: String, step: String, conversion: String, decoded: Bool) async throws {
        let (harness, log) = try Self.loggingHarness()
        func run(_ expect: String) async throws -> OutputArtifact {
            let outputs = try await harness.run(
                """
                version: 1
                kind: edit
                inputs: { v: { file: \(input) } }
                steps:
                  - \(step)
                outputs:
                  out: { format: \(format), \(conversion)\(expect) }
                """
            )
            return try #require(outputs["out"])
        }
        let plain = try await run("")
        let plainHash = plain.sha256
        // A lossy file's peaks are read from the file: its meter serves loudness alone.
        let checked = try await run(format == "mp3" ? "expect: { lufs: [-40, 0] }" : "expect: { lufs: [-40, 0], peak_max: 0 }")
        #expect(checked.sha256 == plainHash)
        #expect(try Self.decodesOfOutputs(log).count == (decoded ? 1 : 0))
    }

    @Test("the meter reads what the file holds: a wav's loudness from its meter matches its decoded file")
    func matchesFile() async throws {
        let (harness, log) = try Self.loggingHarness()
        let collected = EventLog()
        do {
            _ = try await harness.run(
                """
                version: 1
                kind: edit
                inputs: { v: { file: voice.wav } }
                steps:
                  - highpass: 80Hz
                outputs:
                  out: { format: wav, expect: { lufs: [0, 1] } }
                """,
                onEvent: { collected.append($0) }
            )
            Issue.record("the run should have failed")
        } catch let miss as ExpectationMiss {
            let metered = try Self.reportedLufs(miss.error.message)
            let file = try await TestMedia.loudness(try #require(miss.rejected.first).path)
            #expect(abs(metered - file.integratedLufs) < 0.05, "meter \(metered), file \(file.integratedLufs)")
        }
        #expect(try Self.decodesOfOutputs(log).isEmpty)
        // Its stage reports progress from what the meter read, to the end.
        #expect(collected.events.contains { $0.kind == .progress && $0.stageProgress >= 0.99 })
    }

    @Test("in a chain of processes the last one carries the meter and its progress; a second output converted otherwise is decoded")
    func chainAndFallback() async throws {
        let (harness, log) = try Self.loggingHarness()
        let collected = EventLog()
        let outputs = try await harness.run(
            """
            version: 1
            kind: edit
            inputs: { v: { file: stereo.wav } }
            steps:
              - denoise: 6dB
              - { id: level, loudnorm: { target: -18, two_pass: false } }
              - gain: 0dB
            outputs:
              out: { format: mp3, expect: { lufs: [-19, -17] } }
              mono: { from: step3, format: wav, channels: 1, expect: { lufs: [-22, -20] } }
            """,
            onEvent: { collected.append($0) }
        )
        #expect(Set(outputs.keys) == ["out", "mono"])
        let stages = Set(collected.events.map(\.stage))
        #expect(stages.contains("encode") && stages.contains("pipe-1"))
        #expect(collected.events.contains { $0.stage == "encode" && $0.kind == .progress && $0.stageProgress >= 0.99 })
        #expect(collected.events.filter { $0.stage == "encode" && $0.kind == .stageStarted }.count == 1)
        // The mono file is converted otherwise than the meter's: it, and only it, is decoded to be checked.
        let decodes = try Self.decodesOfOutputs(log)
        #expect(decodes.count == 1 && decodes.allSatisfy { $0.contains(".mono.wav.") })
    }

    @Test("a benchmark's baseline (discarded measurements) runs the same plan with no gain and checks no loudness")
    func discarded() async throws {
        var harness = try ExecutionHarness()
        harness.discardsMeasurements = true
        let collected = EventLog()
        let text = """
            version: 1
            kind: edit
            inputs: { v: { file: voice.wav } }
            steps:
              - loudnorm: { target: -30, true_peak: -1 }
            outputs:
              out: { format: wav, expect: { lufs: [-31, -29], duration: [19.9, 20.1] } }
            """
        let outputs = try await harness.run(text, onEvent: { collected.append($0) })
        #expect(!collected.events.contains { $0.kind == .measured })
        #expect(collected.events.contains { $0.stage == "measure-step1" && $0.kind == .progress && $0.stageProgress >= 0.99 })
        let source = try await TestMedia.loudness(try TestMedia.path("voice.wav"))
        let out = try await TestMedia.loudness(try #require(outputs["out"]).path)
        #expect(abs(out.integratedLufs - source.integratedLufs) < 0.5, "source \(source.integratedLufs), out \(out.integratedLufs)")
        // Measured for real, the same recipe lands on its target.
        harness.discardsMeasurements = false
        let measured = try await harness.run(text)
        #expect(abs(try await TestMedia.loudness(try #require(measured["out"]).path).integratedLufs + 30) < 0.5)
    }
}

/// Events gathered from the executor's callback, which may run on any thread.
final class EventLog: Sendable {
    private let stored = Mutex<[ExecutionEvent]>([])
    func append(_ event: ExecutionEvent) { stored.withLock { $0.append(event) } }
    var events: [ExecutionEvent] { stored.withLock { $0 } }
}
