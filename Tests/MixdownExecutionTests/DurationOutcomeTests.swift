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
}
