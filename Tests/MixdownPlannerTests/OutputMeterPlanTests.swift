import Foundation
import MixdownRecipe
import Testing

@testable import MixdownPlanner

@Suite("Output meters in plans")
struct OutputMeterPlanTests {
    static let text = """
        version: 1
        kind: edit
        inputs: { v: { upload: true } }
        steps:
          - highpass: 80
        outputs:
          out: { format: mp3, expect: { lufs: [-17, -15] } }
          peaks: { format: mp3, expect: { true_peak_max: -1 } }
          master: { format: flac, expect: { true_peak_max: -1 } }
          mono: { format: wav, channels: 1, expect: { lufs: [-20, -10] } }
          plain: { format: flac }
        """

    @Test("outputs whose expect reads loudness and whose encoder takes the audio as it is share a meter in their process; a preview has none")
    func planned() throws {
        let plan = try Planner().plan(try recipe(Self.text), inputs: [audio("v", seconds: 30)])
        let render = try #require(plan.stages.first { $0.id == "render" })
        // A lossy file's peaks are read from the file; a downmix is negotiated otherwise beside a meter.
        #expect(render.meters == ["out", "master"])
        let meter = Array(render.arguments[try #require(render.arguments.lastIndex(of: "-map"))...])
        #expect(meter.dropFirst(2) == ["-map_metadata", "-1", "-fflags", "+bitexact", "-c:a", "pcm_f32le", "-f", "wav", "pipe:1"])
        #expect(render.graph.contains("asplit=6"))
        // The script checks no expectations: the meter's copy is discarded there, never written to the terminal.
        let script = ShellScript.render(plan)
        #expect(!script.contains("pipe:1") && script.contains("-f wav /dev/null"))

        // An mp3 of 22.05 kHz audio is raised to 44.1 kHz on its way to the encoder: decoded instead.
        let raised = try Planner().plan(try recipe(Self.text), inputs: [audio("v", seconds: 30, rate: 22_050)])
        #expect(raised.stages.first { $0.id == "render" }?.meters == ["master"])
        // A channel count ffprobe did not give is a guess: no meter relies on it.
        var unknown = audio("v", seconds: 30)
        unknown.facts.channels = nil
        #expect(try Planner().plan(try recipe(Self.text), inputs: [unknown]).stages.allSatisfy { $0.meters.isEmpty })
        let preview = try Planner(options: .init(preview: PreviewWindow(start: 0, duration: 5))).plan(
            try recipe(Self.text),
            inputs: [audio("v", seconds: 30)]
        )
        #expect(preview.stages.allSatisfy { $0.meters.isEmpty && !$0.arguments.contains("pipe:1") })
    }

    @Test(
        "which encoders take audio as it is",
        arguments: [
            (OutputFormat.mp3, 44_100, 2, true), (.mp3, 96_000, 2, false), (.mp3, 48_000, 6, false),
            (.opus, 44_100, 2, false), (.opus, 48_000, 1, true), (.flac, 192_000, 8, true), (.wav, 384_000, 12, true),
            (.m4a, 44_100, 2, true), (.ogg, 44_100, 6, false),
        ]
    )
    func encoders(format: OutputFormat, rate: Int, channels: Int, unconverted: Bool) {
        #expect(OutputEncoding.encodesUnconverted(format, rate: rate, channels: channels) == unconverted)
    }

    @Test("a plan kept with a job before stages had meters still reads")
    func olderPlan() throws {
        let plan = try Planner().plan(try recipe(Self.text), inputs: [audio("v", seconds: 30)])
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(plan)) as? [String: Any])
        let stages = try #require(object["stages"] as? [[String: Any]])
        object["stages"] = stages.map { stage in stage.filter { $0.key != "meters" && $0.key != "measures" } }
        let decoded = try JSONDecoder().decode(Plan.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(decoded.stages.map(\.id) == plan.stages.map(\.id))
        #expect(decoded.stages.allSatisfy { $0.meters.isEmpty })
    }
}
