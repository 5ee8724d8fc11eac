import MixdownRecipe
import Testing

/// ffmpeg reads a length of 0 as "unset" (atrim keeps everything, aloop never ends, afade and acrossfade
/// use their defaults), and numbers below half a microsecond print as 0. The parser refuses both kinds.
@Suite("Duration rules")
struct DurationRulesTests {
    static func recipe(step: String) -> String {
        "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - \(step)\noutputs: { o: { format: wav } }\n"
    }

    @Test("loop.to of 0, -0 or a value that prints as 0 is a bad-value at the value", arguments: ["0", "-0", "'-0'", "0s", "1e-320", "0.0000004"])
    func loopToZero(value: String) {
        let diagnostics = problems(Self.recipe(step: "loop: { to: \(value) }"))
        #expect(diagnostics.map(\.code) == [.badValue])
        #expect(diagnostics.first?.location?.description == "r.yaml:5:17")
    }

    @Test(
        "a non-zero duration under 1 ms, or a trim of 0, is refused at the value",
        arguments: [
            "trim: { duration: 0.0000004 }", "trim: { duration: 0 }", "trim: { start: 1e-320 }", "trim: { end: -0.0000004 }",
            "fade: { in: 1e-320 }", "fade: { out: 0.0009 }", "pad: { end: 4e-7 }", "trim_silence: { min_duration: 1e-7 }",
        ]
    )
    func tinyDurations(step: String) {
        let diagnostics = problems(Self.recipe(step: step))
        #expect(diagnostics.map(\.code) == [.badValue])
        #expect(diagnostics.first?.location?.line == 5)
    }

    @Test(
        "0 where it means none, 1 ms, and compress's sub-millisecond attack still parse",
        arguments: [
            "trim: { start: 0, duration: 1ms }", "fade: { in: 0, out: 1s }", "pad: { start: 0 }", "loop: { to: 1ms }",
            "compress: { attack: 0.01ms }", "trim_silence: { min_duration: 0 }",
        ]
    )
    func acceptedDurations(step: String) throws {
        _ = try parse(Self.recipe(step: step))
    }

    @Test("a control character is reported on its own line, not at 1:1")
    func controlCharacterLocation() {
        let text =
            "version: 1\nkind: render\ninputs: { v: { upload: true } }\nsteps:\n  - visualize: {}\n  - title:\n      text: \"abc \u{01} def\"\noutputs: { o: { format: mp4 } }\n"
        let diagnostics = problems(text)
        #expect(diagnostics.map(\.code) == [.yamlEncoding])
        #expect(diagnostics.first?.location?.description == "r.yaml:7:18")
    }
}
