import Foundation
import MixdownPlanner
import MixdownRecipe
import Testing

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
          mono: { format: wav, channels: 1, expect: { true_peak_max: -1 } }
          plain: { format: flac }
        """

    @Test("an output whose expect reads loudness gets a meter in its own process, converted as it is encoded; a preview has none")
    func planned() throws {
        let plan = try Planner().plan(try recipe(Self.text), inputs: [audio("v", seconds: 30, rate: 22_050)])
        let render = try #require(plan.stages.first { $0.id == "render" })
        // The mp3 is raised to 44.1 kHz on its way to the encoder; its meter hears the same. The mono wav is
        // converted otherwise, so it is decoded afterwards instead.
        #expect(render.meters == ["out"])
        let meter = Array(render.arguments[try #require(render.arguments.lastIndex(of: "-map"))...])
        #expect(meter.dropFirst(2) == ["-ar", "44100", "-map_metadata", "-1", "-fflags", "+bitexact", "-c:a", "pcm_f32le", "-f", "wav", "pipe:1"])
        #expect(render.graph.contains("asplit=4"))
        // The script checks no expectations: the meter's copy is discarded there, never written to the terminal.
        let script = ShellScript.render(plan)
        #expect(!script.contains("pipe:1") && script.contains("-f wav /dev/null"))

        let preview = try Planner(options: .init(preview: PreviewWindow(start: 0, duration: 5))).plan(
            try recipe(Self.text),
            inputs: [audio("v", seconds: 30)]
        )
        #expect(preview.stages.allSatisfy { $0.meters.isEmpty && !$0.arguments.contains("pipe:1") })
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
