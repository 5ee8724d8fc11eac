import Foundation
import MixdownRecipe
import Testing

/// Parses `text` as `r.yaml`; the recipes here have uploads checked only where a test says so.
func parse(_ text: String, overrides: [String: String] = [:], uploads: Set<String>? = nil) throws(RecipeError) -> Recipe {
    try RecipeParser(options: .init(parameterOverrides: overrides, providedUploads: uploads)).parse(text, file: "r.yaml")
}

/// The diagnostics for an invalid recipe (fails the test if it parses).
func problems(_ text: String, overrides: [String: String] = [:], uploads: Set<String>? = nil) -> [MixdownError] {
    do {
        _ = try parse(text, overrides: overrides, uploads: uploads)
        Issue.record("expected the recipe to be rejected")
        return []
    } catch {
        return error.diagnostics
    }
}

let podcast = """
    version: 1
    kind: edit
    params:
      lufs: -16
    inputs:
      voice: { upload: true }
      intro: { file: intro.wav }
    steps:
      - id: body
        from: voice
        trim: { start: 5s, end: -3s }
      - highpass: { freq: 80 }
      - loudnorm: { target: "${lufs}" }
      - id: episode
        concat: [intro, body]
    outputs:
      episode: { from: episode, format: mp3, bitrate: 192k, expect: { lufs: [-17, -15], duration: [595, 605] } }
    """

@Suite("Recipe parser")
struct RecipeParserTests {
    @Test("the issue's example parses into a typed graph in dependency order")
    func example() throws {
        let recipe = try parse(podcast)
        #expect(recipe.kind == .edit)
        #expect(recipe.inputs.map(\.name) == ["voice", "intro"])
        #expect(recipe.steps.map(\.id) == ["body", "step2", "step3", "episode"])
        #expect(recipe.steps[0].operation == .trim(Trim(start: 5, end: -3, duration: nil)))
        #expect(recipe.steps[1].sources == ["body"])
        #expect(recipe.steps[2].operation == .loudnorm(Loudnorm(target: -16, truePeak: -1.5, loudnessRange: 11, twoPass: true)))
        #expect(recipe.steps[3].sources == ["intro", "body"])
        let output = try #require(recipe.outputs.first)
        #expect(output.format == .mp3 && output.bitrate == 192_000)
        #expect(output.expect?.lufs == -17 ... -15)
        #expect(output.expect?.locations["lufs"]?.line == 17)
    }

    @Test("--set overrides a param with a value of its type")
    func overrides() throws {
        let recipe = try parse(podcast, overrides: ["lufs": "-14"])
        guard case .loudnorm(let loudnorm) = recipe.steps[2].operation else { Issue.record("step 3 is not loudnorm"); return }
        #expect(loudnorm.target == -14)
        let bad = problems(podcast, overrides: ["lufs": "loud"])
        #expect(bad.map(\.code) == [.badParam])
        let unknown = problems(podcast, overrides: ["lfus": "-14"])
        #expect(unknown.first?.suggestion == "lufs")
    }

    @Test("a misspelt operation is reported at its key with a suggestion")
    func misspelt() {
        let found = problems(
            """
            version: 1
            kind: edit
            inputs: { voice: { upload: true } }
            steps:
              - hihgpass: { freq: 80 }
            outputs: { out: {} }
            """
        )
        #expect(found.count == 1)
        #expect(found[0].code == .unknownOperation)
        #expect(found[0].location == SourceLocation(file: "r.yaml", line: 5, column: 5))
        #expect(found[0].suggestion == "highpass")
        #expect(found[0].description == "r.yaml:5:5: error: unknown operation 'hihgpass' (did you mean 'highpass'?)")
    }

    @Test("every problem is reported, each at its own node")
    func allProblems() {
        let found = problems(
            """
            version: 1
            kind: edit
            inputs:
              voice: { upload: true }
            steps:
              - from: vocie
                highpass: { freq: 80 }
              - trim: { start: 5x }
              - gain: { db: -3dB, colour: red }
              - loudnorm: { target: -16 }
                lowpass: 1000
            outputs:
              out: { format: mp5 }
            """
        )
        let summary = found.map { "\($0.code.rawValue)@\($0.location!.line):\($0.location!.column)" }
        #expect(
            summary == [
                "bad-value@8:20", "unknown-parameter@9:23", "two-operations@11:5", "unknown-reference@6:11", "bad-value@13:18",
            ]
        )
        #expect(found.first { $0.code == .unknownReference }?.suggestion == "voice")
        #expect(found.first { $0.code == .badValue && $0.location?.line == 13 }?.suggestion == "mp3")
    }

    @Test("a YAML syntax error points where libyaml finds it")
    func syntax() {
        let found = problems("version: 1\nkind: edit\ninputs: { voice: { upload: true }\nsteps: []\n")
        #expect(found.count == 1)
        #expect(found[0].code == .yamlSyntax)
        #expect(found[0].location?.line == 4)
    }

    @Test("cycles are rejected before anything runs")
    func cycle() {
        let found = problems(
            """
            version: 1
            kind: edit
            inputs: { voice: { upload: true } }
            steps:
              - id: a
                from: b
                gain: -1
              - id: b
                from: a
                gain: -1
            outputs: { out: { from: b } }
            """
        )
        #expect(found.map(\.code) == [.cycle])
        #expect(found[0].message.contains("a -> b -> a") || found[0].message.contains("b -> a -> b"))
    }

    @Test("wrong stream types are caught: audio into a video operation, video into an audio format")
    func types() {
        let found = problems(
            """
            version: 1
            kind: render
            inputs:
              voice: { upload: true }
              cover: { file: cover.png }
            steps:
              - id: t
                from: voice
                title: { text: hello }
              - id: v
                from: voice
                visualize: { background: cover }
              - id: d
                from: voice
                duck: { by: cover }
            outputs:
              out: { from: v, format: wav }
            """
        )
        #expect(found.map(\.code) == [.typeMismatch, .typeMismatch, .typeMismatch])
        #expect(found.map { $0.location!.line } == [8, 15, 17])
    }

    @Test("missing uploads, unknown top-level keys, bad versions and empty documents")
    func structure() {
        #expect(
            problems("version: 1\nkind: edit\ninputs: { voice: { upload: true } }\noutputs: { o: {} }\n", uploads: []).map(\.code) == [
                .missingInput
            ]
        )
        let keys = problems("version: 2\nkind: edit\ninput: {}\noutputs: { o: {} }\n").map(\.code)
        #expect(keys.contains(.unsupportedVersion) && keys.contains(.unknownKey))
        #expect(problems("").map(\.code) == [.notAMapping])
        #expect(problems("- 1\n- 2\n").map(\.code) == [.notAMapping])
    }

    @Test("shorthand forms and defaults")
    func shorthand() throws {
        let recipe = try parse(
            """
            version: 1
            kind: edit
            inputs: { a: { upload: true }, b: { file: b.wav } }
            steps:
              - { id: x, from: a, highpass: 2.5kHz }
              - gain: -3dB
              - id: m
                mix: [x, b]
              - analyze:
            outputs: { o: { from: m }, report: {} }
            """
        )
        #expect(recipe.steps[0].operation == .highpass(Cutoff(frequency: 2500)))
        #expect(recipe.steps[1].operation == .gain(Gain(decibels: -3)))
        #expect(recipe.steps[2].sources == ["x", "b"])
        #expect(recipe.outputs.map(\.format) == [.wav, .json])
    }

    @Test("caption files stay inside the recipe's folder", arguments: ["/etc/passwd", "../secret.srt", "subs/../../x.srt", "a\\b.srt"])
    func captionPaths(path: String) {
        let found = problems(
            "version: 1\nkind: render\ninputs: { v: { upload: true } }\nsteps:\n  - visualize: {}\n  - captions: { srt: '\(path)' }\noutputs: { o: {} }\n"
        )
        #expect(found.map(\.code) == [.badValue])
        #expect(found.first?.location?.line == 6)
    }

    @Test("alias bombs stop at the node budget instead of hanging")
    func aliasBomb() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1..<12 { text += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n" }
        text = "version: 1\nkind: edit\n" + text.replacingOccurrences(of: "a0:", with: "steps:")
        let found = problems(text)
        #expect(found.contains { $0.code == .tooComplex || $0.code == .unknownKey })
    }
}
