import Foundation
import MixdownExecution
import MixdownPlanner
import MixdownRecipe
import MixdownTestSupport
import Testing

/// Every operation's documented example (the one `mixdown ops` and Docs/recipes.md show), planned and
/// run for real on short lavfi media: an operation the catalogue offers but the planner cannot compile,
/// or ffmpeg cannot run, fails here instead of in an author's recipe.
@Suite("Operation examples")
struct OperationExamplesTests {
    /// Every name an example refers to, bound to media of the right kind.
    static let inputs = """
          a: { file: a.wav }
          song_a: { file: bed.wav }
          song_b: { file: voice.wav }
          intro: { file: intro.wav }
          body: { file: voice.wav }
          outro: { file: outro.wav }
          voice: { file: voice.wav }
          bed: { file: bed.wav }
          cover: { file: cover.png }
        """

    @Test("each operation's documented example plans and runs", arguments: OperationCatalogue.names)
    func example(name: String) async throws {
        let operation = try #require(OperationCatalogue.operation(named: name))
        let harness = try ExecutionHarness()
        // loop's example makes 10 minutes of audio: leave nothing behind.
        defer { try? FileManager.default.removeItem(at: harness.directory) }
        // 10 s of stereo tone: long enough for the trim example's 5 s start and 3 s from the end.
        try TestMedia.generate("sine=f=330:d=10:r=48000", to: harness.directory.appendingPathComponent("a.wav").path, extra: ["-ac", "2"])
        var steps = "  - { id: example, \(operation.example) }"
        if operation.input == .video {
            steps = "  - { id: picture, from: a, visualize: { size: 320x180, fps: 10 } }\n  - { id: example, from: picture, \(operation.example) }"
        } else if operation.input != nil {
            steps = "  - { id: example, from: a, \(operation.example) }"
        }
        let outputs = try await harness.run(
            "version: 1\nkind: render\ninputs:\n\(Self.inputs)\nsteps:\n\(steps)\noutputs: { out: { from: example } }\n"
        )
        let out = try #require(outputs["out"])
        #expect(out.bytes > 0)
        switch operation.output {
        case .data:
            #expect(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out.path))) is [String: Any])
        case .audio, .video:
            #expect((out.durationSeconds ?? 0) > 0, "\(name): \(out.durationSeconds ?? 0) s")
        case .image:
            break
        }
    }
}
