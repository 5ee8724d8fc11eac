import Foundation
import MixdownExecution
import MixdownPlanner
import MixdownRecipe
import MixdownTestSupport
import Testing

/// What edits whose length is 0, or whose result is empty, produce with real ffmpeg.
@Suite("Duration outcomes")
struct DurationOutcomeTests {
    @Test("a crossfade of 0 between two 5 s tracks lasts 10 s, as planned")
    func crossfadeOfZeroLength() async throws {
        let harness = try ExecutionHarness()
        for name in ["a", "b"] {
            try TestMedia.generate("sine=f=440:d=5:sample_rate=48000", to: harness.directory.appendingPathComponent("\(name).wav").path)
        }
        let outputs = try await harness.run(
            """
            version: 1
            kind: edit
            inputs: { a: { file: a.wav }, b: { file: b.wav } }
            steps:
              - crossfade: { tracks: [a, b], duration: 0 }
            outputs: { joined: { format: wav } }
            """
        )
        let path = try #require(outputs["joined"]?.path)
        let duration = try #require(try await TestMedia.facts(path).duration)
        #expect(abs(duration - 10) < 0.05, "lasts \(duration) s")
    }

    @Test("an output whose steps removed all audio is empty-output, naming the output, with nothing published")
    func emptyOutput() async throws {
        let harness = try ExecutionHarness()
        try TestMedia.generate("anullsrc=r=48000:cl=stereo", to: harness.directory.appendingPathComponent("silent.wav").path, extra: ["-t", "5"])
        do {
            _ = try await harness.run(
                """
                version: 1
                kind: edit
                inputs: { quiet: { file: silent.wav } }
                steps:
                  - speed: 0.25
                  - trim_silence: { where: all }
                  - fade: { in: 10s, out: 10s }
                outputs:
                  o: { format: opus }
                """
            )
            Issue.record("an empty output was published")
        } catch let error as MixdownError {
            #expect(error.code == .emptyOutput)
            #expect(error.message == "output 'o' came out empty: the steps removed all audio")
            #expect(error.location?.line == 9)
        }
        #expect(harness.leftovers().filter { !$0.hasPrefix(".mixdown-work") }.isEmpty)
    }

    @Test("a join that reads one track, or one step, several times lasts its planned length (each crossfaded side is its own stream)")
    func repeatedTrack() async throws {
        let harness = try ExecutionHarness()
        try TestMedia.generate("sine=f=440:d=3:sample_rate=48000", to: harness.directory.appendingPathComponent("a.wav").path)
        try TestMedia.generate("sine=f=660:d=2:sample_rate=48000", to: harness.directory.appendingPathComponent("b.wav").path)
        // ffmpeg 5.1's acrossfade fed two copies of one asplit gave only part of the first (3.5 s for 7.5).
        let cases: [(steps: String, planned: Double)] = [
            ("  - crossfade: { tracks: [a, a], duration: 0.5 }", 5.5),
            ("  - concat: { tracks: [a, a, a], crossfade: 2.5 }", 4.0),
            ("  - concat: { tracks: [a, b, a], crossfade: 1 }", 6.0),
            ("  - concat: [a, a]", 6.0),
            ("  - { id: x, from: a, trim: { end: 2.5 } }\n  - crossfade: { tracks: [x, x], duration: 1 }", 4.0),
            (
                "  - { id: x, from: a, gain: { db: -3 } }\n  - { id: y, from: a, trim: { end: 2 } }\n  - crossfade: { tracks: [x, y], duration: 1 }",
                4.0
            ),
        ]
        for (steps, planned) in cases {
            let outputs = try await harness.run(
                "version: 1\nkind: edit\ninputs: { a: { file: a.wav }, b: { file: b.wav } }\nsteps:\n\(steps)\noutputs: { o: { format: wav } }\n"
            )
            let path = try #require(outputs["o"]?.path)
            let duration = try #require(try await TestMedia.facts(path).duration, "\(steps): a published output without a duration")
            #expect(abs(duration - planned) < 0.01, "\(steps): lasts \(duration) s, planned \(planned) s")
        }
    }
}
