import Foundation
import MixdownExecution
import MixdownPlanner
import MixdownRecipe
import MixdownTestSupport
import Testing

/// What the executor guarantees when a recipe is large, impossible, or its outputs cannot all be published.
@Suite("Executor safety")
struct ExecutorSafetyTests {
    @Test("a filter graph over 200 KB (past the kernel's 128 KiB argument cap) runs and makes its output")
    func hugeFilterGraph() async throws {
        let harness = try ExecutionHarness()
        try TestMedia.generate("sine=f=440:d=1:sample_rate=48000", to: harness.directory.appendingPathComponent("tone.wav").path)
        // 110 steps of 40 nearly flat eq bands, each about 50 bytes of graph: 4,400 filters, 220 KB, and a tenth
        // of the step limit.
        let bands = (0..<40).map { "{ freq: \(100 + $0 * 10).123457, gain: 0.123457, width: 2.123457 }" }.joined(separator: ", ")
        let steps = Array(repeating: "  - eq: { bands: [\(bands)] }", count: 110).joined(separator: "\n")
        let text = "version: 1\nkind: edit\ninputs: { tone: { file: tone.wav } }\nsteps:\n\(steps)\noutputs: { out: { format: wav } }\n"

        let recipe = try RecipeParser().parse(text, file: "big.yaml")
        let facts = try await TestMedia.facts(harness.directory.appendingPathComponent("tone.wav").path)
        let plan = try Planner().plan(recipe, inputs: [PlanInput(name: "tone", path: "tone.wav", facts: facts)])
        let graph = plan.stages.flatMap(\.arguments).max { $0.utf8.count < $1.utf8.count } ?? ""
        #expect(graph.utf8.count > 200_000)

        let outputs = try await harness.run(text)
        let out = try #require(outputs["out"])
        #expect(abs((out.durationSeconds ?? 0) - 1) < 0.05)
        #expect(harness.leftovers() == ["out.wav"])
    }

    @Test(
        "when one output cannot be published, none is, an older file stays, and no temporary file is left",
        arguments: [false, true]
    )
    func publicationIsAllOrNone(olderFirstOutput: Bool) async throws {
        let harness = try ExecutionHarness()
        // A directory where the second output must go: renaming a file over it fails.
        try FileManager.default.createDirectory(atPath: harness.out + "/b.wav", withIntermediateDirectories: true)
        if olderFirstOutput { try Data("previous".utf8).write(to: URL(fileURLWithPath: harness.out + "/a.wav")) }
        do {
            _ = try await harness.run(
                """
                version: 1
                kind: edit
                inputs: { v: { file: voice.wav } }
                steps:
                  - trim: { duration: 1s }
                outputs: { a: { format: wav }, b: { format: wav } }
                """
            )
            Issue.record("publishing over a directory should have failed")
        } catch let error as MixdownError {
            #expect(error.code == .publishFailed)
            #expect(error.message.contains("b.wav") && error.message.contains("no output was published"))
        }
        if olderFirstOutput {
            // a.wav is the file that was there before, not the new output.
            #expect(try Data(contentsOf: URL(fileURLWithPath: harness.out + "/a.wav")) == Data("previous".utf8))
            #expect(harness.leftovers() == ["a.wav", "b.wav"])
        } else {
            #expect(harness.leftovers() == ["b.wav"])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: harness.out + "/b.wav").isEmpty)
    }

    @Test(
        "impossible edits fail before ffmpeg runs, naming the step, the length and the window",
        arguments: [
            ("- { id: late, from: v, trim: { start: 30s } }", ["step 'late'", "trim (start 30s)", "'v', which lasts 20s"]),
            ("- { id: late, from: v, trim: { start: 5s, end: -16s } }", ["step 'late'", "trim (start 5s, end -16s)", "lasts 20s"]),
            ("- { id: blend, crossfade: { tracks: [v, short], duration: 3s } }", ["step 'blend'", "crossfade of 3s", "'short', which lasts 2s"]),
            ("- { id: joined, concat: { tracks: [short, v], crossfade: 2.5s } }", ["step 'joined'", "crossfade of 2.5s", "'short', which lasts 2s"]),
        ]
    )
    func impossibleEdits(step: String, fragments: [String]) async throws {
        let harness = try ExecutionHarness()
        try TestMedia.generate("sine=f=330:d=2:sample_rate=48000", to: harness.directory.appendingPathComponent("short.wav").path)
        do {
            _ = try await harness.run(
                "version: 1\nkind: edit\ninputs: { v: { file: voice.wav }, short: { file: short.wav } }\nsteps:\n  \(step)\noutputs: { out: { format: wav } }\n"
            )
            Issue.record("the impossible edit ran")
        } catch let error as RecipeError {
            let diagnostic = try #require(error.diagnostics.first)
            #expect(diagnostic.code == .emptyEdit)
            for fragment in fragments { #expect(diagnostic.message.contains(fragment), "\(diagnostic.message)") }
            #expect(diagnostic.location?.line == 5)
        }
        #expect(harness.leftovers().isEmpty)
    }

    @Test("a preview that starts after the input ends fails before ffmpeg runs")
    func previewPastTheEnd() async throws {
        let harness = try ExecutionHarness()
        do {
            _ = try await harness.run(
                "version: 1\nkind: edit\ninputs: { v: { file: voice.wav } }\nsteps:\n  - gain: 1dB\noutputs: { out: { format: mp3 } }\n",
                preview: PreviewWindow(start: 25, duration: 10)
            )
            Issue.record("the empty preview ran")
        } catch let error as RecipeError {
            let message = error.diagnostics.first?.message ?? ""
            #expect(error.diagnostics.first?.code == .emptyEdit)
            #expect(message.contains("start 25s, 10s long") && message.contains("'v' lasts 20s"), "\(message)")
        }
        #expect(harness.leftovers().isEmpty)
    }
}
