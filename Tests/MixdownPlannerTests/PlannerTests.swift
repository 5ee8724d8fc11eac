import Foundation
import MixdownPlanner
import MixdownRecipe
import Testing

func recipe(_ text: String) throws -> Recipe {
    try RecipeParser().parse(text, file: "r.yaml")
}

func audio(_ name: String, seconds: Double, rate: Int = 48_000) -> PlanInput {
    PlanInput(
        name: name,
        path: "/media/\(name).wav",
        facts: MediaFacts(duration: seconds, hasAudio: true, hasVideo: false, sampleRate: rate, channels: 2)
    )
}

extension Stage {
    var graph: String { arguments.firstIndex(of: "-filter_complex").map { arguments[$0 + 1] } ?? "" }
    var inputCount: Int { arguments.filter { $0 == "-i" }.count }
}

@Suite("Planner")
struct PlannerTests {
    static let podcast = """
        version: 1
        kind: edit
        inputs:
          voice: { upload: true }
          intro: { file: intro.wav }
          outro: { file: outro.wav }
        steps:
          - id: body
            from: voice
            trim: { start: 5s, end: -3s }
          - highpass: 80
          - denoise: {}
          - compress: {}
          - loudnorm: { target: -16, two_pass: false }
          - fade: { in: 1s, out: 2s }
          - id: episode
            concat: [intro, step6, outro]
        outputs:
          episode: { format: mp3, bitrate: 192k }
        """

    let inputs = [audio("voice", seconds: 600), audio("intro", seconds: 5, rate: 44_100), audio("outro", seconds: 4, rate: 44_100)]

    @Test("a podcast compiles to three processes joined by pipes, loudnorm in the middle, never one per step")
    func podcastPipe() throws {
        let plan = try Planner().plan(try recipe(Self.podcast), inputs: inputs)
        #expect(plan.stages.count == 3)
        let (decode, loudness, encode) = (plan.stages[0], plan.stages[1], plan.stages[2])
        #expect(decode.pipesTo == loudness.id && loudness.pipesTo == encode.id && encode.pipesTo == nil)
        #expect(decode.graph.contains("atrim=start=5:end=597"))
        #expect(decode.graph.contains("afftdn") && decode.graph.contains("acompressor"))
        #expect(decode.arguments.suffix(2) == ["nut", "pipe:1"])
        // loudnorm's 192 kHz is pinned right before it and undone right after.
        #expect(loudness.graph == "[0:a]aresample=192000,loudnorm=I=-16:TP=-1.5:LRA=11,aresample=48000[n1]")
        #expect(loudness.arguments.contains("pipe:0") && loudness.arguments.last == "pipe:1")
        #expect(encode.graph.contains("afade=t=out:st=590:d=2"))
        #expect(encode.graph.contains("concat=n=3:v=0:a=1"))
        #expect(decode.inputCount == 1 && loudness.inputCount == 1 && encode.inputCount == 3)
        #expect(plan.outputs[0].expectedDuration == 601)
    }

    @Test("without the pipe split the whole graph is one ffmpeg process with one -filter_complex")
    func singleProcess() throws {
        let plan = try Planner(options: .init(allowPipeSplit: false)).plan(try recipe(Self.podcast), inputs: inputs)
        #expect(plan.stages.count == 1)
        #expect(plan.stages[0].arguments.filter { $0 == "-filter_complex" }.count == 1)
        #expect(plan.stages[0].inputCount == 3)
    }

    @Test("a stream read by two steps is decoded once and split")
    func split() throws {
        let text = """
            version: 1
            kind: edit
            inputs: { voice: { upload: true }, bed: { file: bed.wav } }
            steps:
              - { id: speech, from: voice, highpass: 90 }
              - { id: ducked, from: bed, duck: { by: speech } }
              - mix: [speech, ducked]
            outputs: { out: {} }
            """
        let plan = try Planner().plan(try recipe(text), inputs: [audio("voice", seconds: 30), audio("bed", seconds: 30)])
        #expect(plan.stages.count == 1)
        let graph = plan.stages[0].graph
        #expect(graph.components(separatedBy: "asplit=2").count == 2)
        #expect(graph.components(separatedBy: "highpass").count == 2)
        #expect(graph.contains("sidechaincompress") && graph.contains("amix=inputs=2"))
    }

    @Test("loudnorm is two-pass by default: it measures in the same pass as the steps before it, then applies a gain")
    func twoPass() throws {
        let text = """
            version: 1
            kind: edit
            inputs: { voice: { upload: true } }
            steps:
              - highpass: 80
              - denoise: {}
              - loudnorm: { target: -14, true_peak: -1 }
              - fade: { out: 1s }
            outputs: { out: { format: flac } }
            """
        let plan = try Planner().plan(try recipe(text), inputs: [audio("voice", seconds: 60)])
        #expect(plan.stages.map(\.id) == ["measure-step3", "render"])
        let (measure, render) = (plan.stages[0], plan.stages[1])
        #expect(measure.measures == [GainMeasurement(step: "step3", goal: .loudness(target: -14, truePeak: -1))])
        // The measured audio goes both to the work file and, as float WAV, to the executor's meter.
        #expect(measure.graph.contains("afftdn") && measure.graph.contains("asplit=2") && !measure.graph.contains("ebur128"))
        #expect(measure.arguments.suffix(14).joined(separator: " ").contains("-c:a pcm_f32le -f wav pipe:1"))
        #expect(measure.arguments.last == "{{work:step2.measured.wav}}")
        // The render reads the measured intermediate; nothing before the measurement runs twice.
        #expect(!render.graph.contains("afftdn") && !render.graph.contains("highpass"))
        #expect(render.graph.contains("{{gain:step3}}"))
        // The shell rendering writes the meter's WAV to a file, so `set -e` sees the first ffmpeg fail.
        let script = ShellScript.render(plan)
        #expect(script.contains("-f wav \"$WORK/measure-step3.meter.wav\"") && !script.contains("pipe:1") && !script.contains("| ffmpeg"))
        #expect(script.contains("ffmpeg -hide_banner -nostdin -i \"$WORK/measure-step3.meter.wav\" -af ebur128"))
        #expect(render.arguments.contains("{{work:step2.measured.wav}}"))
        #expect(!render.graph.contains("loudnorm"))
    }

    @Test("a preview seeks every input and folds a leading trim into the seek")
    func preview() throws {
        let plan = try Planner(options: .init(preview: PreviewWindow(start: 30, duration: 10))).plan(try recipe(Self.podcast), inputs: inputs)
        #expect(plan.stages.count == 1)
        let arguments = plan.stages[0].arguments
        let voice = try #require(arguments.firstIndex(of: "/media/voice.wav"))
        #expect(Array(arguments[(voice - 5)..<voice]) == ["-ss", "35", "-t", "10", "-i"])
        #expect(!plan.stages[0].graph.contains("atrim"))
        #expect(arguments.contains("96000"))
        #expect(plan.outputs[0].expect == nil)
    }

    @Test("a negative trim end after trim_silence is a located planning error")
    func unknownDuration() throws {
        let text = """
            version: 1
            kind: edit
            inputs: { voice: { upload: true } }
            steps:
              - trim_silence: {}
              - loop: { count: 2 }
            outputs: { out: {} }
            """
        let plan = try Planner().plan(try recipe(text), inputs: [audio("voice", seconds: 60)])
        #expect(plan.stages[0].graph.contains("aloop=loop=1:size=2880000"))
        let missing = PlanInput(name: "voice", path: "/v.wav", facts: MediaFacts(duration: nil, hasAudio: true, hasVideo: false))
        #expect(throws: RecipeError.self) { try Planner().plan(try recipe(text), inputs: [missing]) }
    }

    @Test("analyze and peaks read a work file the main stage writes beside the outputs")
    func dataSteps() throws {
        let text = """
            version: 1
            kind: ingest
            inputs: { media: { upload: true } }
            steps:
              - { id: clean, resample: { rate: 48000 } }
              - { id: report, from: clean, analyze: {} }
              - { id: wave, from: clean, peaks: 50 }
            outputs: { audio: { from: clean, format: flac }, report: { from: report }, wave: { from: wave } }
            """
        let plan = try Planner().plan(try recipe(text), inputs: [audio("media", seconds: 30)])
        #expect(plan.stages.map(\.kind) == [.ffmpeg, .analyze, .peaks])
        #expect(plan.stages[0].graph.contains("asplit=2"))
        #expect(plan.stages[1].source == "clean.data.wav" && plan.stages[2].source == "clean.data.wav")
        #expect(plan.stages[2].points == 50)
        #expect(plan.workFiles == ["clean.data.wav"])
    }

    @Test("measuring an input as it is starts no ffmpeg stage and writes no work file: the data stage reads the input")
    func analyzeInputInPlace() throws {
        let text = """
            version: 1
            kind: ingest
            inputs: { media: { upload: true } }
            steps:
              - { id: report, from: media, analyze: { curve: 1 } }
            outputs: { report: { from: report } }
            """
        let plan = try Planner().plan(try recipe(text), inputs: [audio("media", seconds: 3600)])
        #expect(plan.stages.map(\.kind) == [.analyze])
        #expect(plan.stages[0].inputPath == "/media/media.wav" && plan.stages[0].source == nil && plan.workFiles.isEmpty)
        #expect(plan.stages[0].curveInterval == 1)
        // A preview measures the window, so it still cuts it first.
        let preview = try Planner(options: .init(preview: PreviewWindow(start: 10, duration: 5))).plan(
            try recipe(text),
            inputs: [audio("media", seconds: 3600)]
        )
        #expect(preview.stages.map(\.kind) == [.ffmpeg, .analyze] && preview.stages[1].inputPath == nil)
    }
}

@Suite("Planner process grouping")
struct PlannerGroupingTests {
    @Test("outputs read from different steps run in separate processes, so one ending cannot truncate another")
    func separateOutputs() throws {
        let text = """
            version: 1
            kind: edit
            inputs: { v: { upload: true } }
            steps:
              - { id: fast, from: v, speed: 2 }
              - { id: slow, from: v, speed: 0.5 }
            outputs: { a: { from: fast }, b: { from: slow }, c: { from: slow, format: mp3 } }
            """
        let plan = try Planner().plan(try recipe(text), inputs: [audio("v", seconds: 10)])
        #expect(plan.stages.map(\.id) == ["render", "render-2"])
        #expect(plan.stages[0].arguments.last == "{{output:a}}")
        #expect(plan.stages[1].arguments.filter { $0.hasPrefix("{{output:") } == ["{{output:b}}", "{{output:c}}"])
    }
}
