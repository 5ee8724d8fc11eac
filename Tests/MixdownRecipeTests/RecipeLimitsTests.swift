import MixdownRecipe
import Testing

/// Limits that keep a hostile recipe cheap to reject: expansion, step count, message size, odd numbers.
@Suite("Recipe limits")
struct RecipeLimitsTests {
    @Test("a long param referenced thousands of times stops at one too-large diagnostic, with short messages")
    func parameterExpansionIsBounded() {
        let long = String(repeating: "x", count: 1000)
        // 2,000 references, two in each of the 1,000 steps the language allows; captions.srt takes up to 1024
        // characters, so each one is valid on its own.
        let references = Array(repeating: "  - { from: \"${long}\", captions: { srt: \"${long}\" } }", count: 1000).joined(separator: "\n")
        let text = """
            version: 1
            kind: render
            params: { long: \(long) }
            inputs: { voice: { upload: true } }
            steps:
            \(references)
            outputs: { out: { format: mp4 } }
            """
        let diagnostics = problems(text)
        #expect(diagnostics.filter { $0.code == .tooLarge }.count == 1)
        let tooLarge = diagnostics.first { $0.code == .tooLarge }
        // At the first reference past 1 MiB of expanded text: the document is ~55 KB and each reference adds 1000
        // bytes, so about halfway down.
        #expect((tooLarge?.location?.line ?? 0) > 400)
        #expect(diagnostics.map(\.message.utf8.count).reduce(0, +) < 10_000)
    }

    @Test("a bad value is quoted as an 80-character excerpt, however long it is")
    func messagesQuoteExcerpts() {
        // libyaml caps a key at 1024 characters; values have no cap but the document's.
        let key = String(repeating: "y", count: 1000)
        let long = String(repeating: "y", count: 50_000)
        let diagnostics = problems(
            """
            version: 1
            kind: edit
            \(key): 1
            inputs: { voice: { upload: true } }
            steps:
              - \(key): {}
              - gain: \(long)
              - concat: [voice, \(long)]
            outputs: { out: { from: \(long), format: wav } }
            """
        )
        #expect(diagnostics.count >= 5)
        for diagnostic in diagnostics {
            #expect(diagnostic.message.count < 300, "\(diagnostic.code): \(diagnostic.message.prefix(120))")
        }
        #expect(diagnostics.contains { $0.message.contains("'" + String(repeating: "y", count: 80) + "…'") })
    }

    @Test("more steps than the limit is one located too-many-steps diagnostic")
    func stepCount() {
        let steps = Array(repeating: "  - gain: 1dB", count: RecipeParser.defaultMaximumSteps + 1).joined(separator: "\n")
        let diagnostics = problems(
            "version: 1\nkind: edit\ninputs: { voice: { upload: true } }\nsteps:\n\(steps)\noutputs: { out: { format: wav } }\n"
        )
        #expect(diagnostics.map(\.code) == [.tooManySteps])
        #expect(diagnostics.first?.location?.description == "r.yaml:5:3")
        #expect(diagnostics.first?.message == "the recipe has 1001 steps; the limit is 1000")
        // At the limit, it parses.
        let atLimit = Array(repeating: "  - gain: 1dB", count: RecipeParser.defaultMaximumSteps).joined(separator: "\n")
        #expect(throws: Never.self) {
            try parse("version: 1\nkind: edit\ninputs: { voice: { upload: true } }\nsteps:\n\(atLimit)\noutputs: { out: { format: wav } }\n")
        }
    }

    @Test("a recipe with hundreds of problems reports the first hundred, then one too-many-errors")
    func diagnosticCount() {
        let steps = (0..<300).map { "  - gian\($0): 1dB" }.joined(separator: "\n")
        let diagnostics = problems(
            "version: 1\nkind: edit\ninputs: { voice: { upload: true } }\nsteps:\n\(steps)\noutputs: { out: { format: wav } }\n"
        )
        #expect(diagnostics.count == 101)
        #expect(diagnostics.dropLast().allSatisfy { $0.code == .unknownOperation })
        #expect(diagnostics.last?.code == .tooManyErrors)
        #expect(diagnostics.last?.location?.line == 104)
    }

    @Test(
        "huge, infinite and odd numbers are refused or normalised, never trapped on",
        arguments: [
            ("trim: { start: 1e308 }", "bad-value"),
            ("trim: { start: 1e308s }", "bad-value"),
            ("trim: { start: 99999999999999999999h }", "bad-value"),
            ("trim: { start: nan }", "bad-value"),
            ("trim: { start: .inf }", "bad-value"),
            ("highpass: 1e308k", "bad-value"),
            ("loop: { count: 99999999999999999999 }", "bad-value"),
            ("resample: { rate: 1e308 }", "bad-value"),
        ]
    )
    func oddNumbers(step: String, code: String) {
        let diagnostics = problems(
            "version: 1\nkind: edit\ninputs: { voice: { upload: true } }\nsteps:\n  - \(step)\noutputs: { out: { format: wav } }\n"
        )
        #expect(diagnostics.map(\.code.rawValue) == [code])
        #expect(diagnostics.first?.location?.line == 5)
    }

    @Test("expectations with huge counts are refused instead of trapping on Int conversion")
    func expectationCounts() {
        let diagnostics = problems(
            "version: 1\nkind: edit\ninputs: { voice: { upload: true } }\noutputs:\n  out: { format: wav, expect: { sample_rate: 1e308, channels: -1e308 } }\n"
        )
        #expect(diagnostics.map(\.code) == [.badValue, .badValue])
    }

    @Test("negative zero is zero")
    func negativeZero() throws {
        #expect(UnitParser.duration("-0")?.sign == .plus)
        #expect(UnitParser.number("-0")?.sign == .plus)
        let recipe = try parse(
            "version: 1\nkind: edit\ninputs: { voice: { upload: true } }\nsteps:\n  - trim: { start: -0 }\noutputs: { out: { format: wav } }\n"
        )
        guard case .trim(let trim)? = recipe.steps.first?.operation else { Issue.record("no trim"); return }
        #expect(trim.start.sign == .plus)
    }
}
