import MixdownRecipe
import PropertyBased
import Testing

/// The parser must never crash or hang: whatever it is given, it returns a recipe or diagnostics.
@Suite("Parser robustness")
struct ParserFuzzTests {
    static let fragments = [
        "version: 1\n", "kind: edit\n", "inputs:\n", "  voice: { upload: true }\n", "steps:\n", "  - trim: { start: 5s }\n",
        "  - concat: [a, b]\n", "outputs:\n", "  out: { format: mp3 }\n", "  - id: x\n", "    from: x\n", "&a [*a]\n", "{", "}", "[", "]",
        "- ", ": ", "\"", "'", "${", "${p}", "\t", "\u{0}", "é", "   ", "\n", "?", "!!binary", "*b", "&b", "%YAML 1.2\n", "---\n", "...\n",
    ]

    @Test("random fragments of recipe syntax")
    func fragmentsNeverCrash() async {
        await propertyCheck(count: 400, input: Gen.int(in: 0..<Self.fragments.count).array(of: 0...40)) { indexes in
            let text = indexes.map { Self.fragments[$0] }.joined()
            Self.parseSafely(text)
        }
    }

    @Test("random unicode text")
    func textNeverCrashes() async {
        await propertyCheck(count: 300, input: Gen.unicodeScalar(in: "\u{1}"..."\u{7FF}").array(of: 0...300)) { scalars in
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            Self.parseSafely(text)
        }
    }

    @Test("single-character edits of a valid recipe")
    func mutationsNeverCrash() async {
        let base = Array(podcast.unicodeScalars)
        await propertyCheck(count: 400, input: Gen.int(in: 0..<base.count), Gen.unicodeScalar(in: "\u{0}"..."\u{7F}")) { position, scalar in
            var mutated = base
            mutated[position] = scalar
            var text = ""
            text.unicodeScalars.append(contentsOf: mutated)
            Self.parseSafely(text)
        }
    }

    // MARK: Clashing names and odd numbers

    static let names = ["voice", "music", "body", "out", "step1", "step2", "true", "'true'"]
    static let numbers = [
        "0", "-0", "0.5", "3", "1e308", "-1e308", "1e-308", "99999999999999999999", "1e308s", "1e308k", "3600h", "nan", "inf", "-inf",
        ".nan", "0x10", "${n}", "1000", "-2", "01:02:03.5",
    ]
    static let operations = [
        "gain: N", "trim: { start: N, end: N }", "trim: { start: N, duration: N }", "concat: { tracks: [R, R], crossfade: N }",
        "crossfade: { tracks: [R, R], duration: N }", "mix: { tracks: [R, R], weights: [N, N] }", "loop: { count: N }", "loop: { to: N }",
        "pad: { start: N, end: N }", "speed: N", "highpass: N", "resample: { rate: N, channels: N }", "eq: { bands: [{ freq: N, gain: N }] }",
        "peaks: { points: N }", "duck: { by: R, amount: N }",
    ]

    /// A recipe with the shape of a real one, every name drawn from a small pool (so ids repeat input
    /// names, other ids and output names, and references point at repeated names) and every number odd.
    static func clashingRecipe(_ choices: [Int]) -> String {
        var position = 0
        func pick(_ options: [String]) -> String {
            defer { position += 1 }
            return options[choices[position % choices.count] % options.count]
        }
        func fill(_ template: String) -> String {
            template.split(separator: " ", omittingEmptySubsequences: false).map { word in
                word.replacing("N", with: pick(numbers)).replacing("R", with: pick(names))
            }.joined(separator: " ")
        }
        var lines = ["version: 1", "kind: edit", "params: { n: \(pick(numbers)) }", "inputs:"]
        for _ in 0...(choices[0] % 3) { lines.append("  \(pick(names)): { upload: true }") }
        lines.append("steps:")
        for _ in 0..<(choices[1] % 7) {
            let id = choices[position % choices.count] % 2 == 0 ? "id: \(pick(names)), " : ""
            let from = choices[(position + 1) % choices.count] % 3 == 0 ? "from: \(pick(names)), " : ""
            lines.append("  - { \(id)\(from)\(fill(pick(operations))) }")
        }
        lines.append("outputs:")
        for _ in 0...(choices[2] % 3) {
            lines.append("  \(pick(names)): { from: \(pick(names)), format: wav, expect: { sample_rate: \(pick(numbers)), duration: [N, 1e308] } }")
        }
        return fill(lines.joined(separator: "\n")) + "\n"
    }

    @Test("clashing names and odd numbers give located diagnostics, never a trap")
    func clashingNamesNeverCrash() async {
        await propertyCheck(count: 600, input: Gen.int(in: 0..<10_000).array(of: 12...60)) { choices in
            Self.parseSafely(Self.clashingRecipe(choices))
        }
    }

    @Test("a step id that repeats an input's name or another step's id is a located duplicate-id")
    func duplicateIdentifiers() {
        let diagnostics: [MixdownError]
        do {
            _ = try RecipeParser().parse(
                """
                version: 1
                kind: edit
                inputs:
                  voice: { upload: true }
                steps:
                  - { id: voice, gain: 3dB }
                  - { id: loud, gain: 1dB }
                  - { id: loud, from: voice, gain: 2dB }
                outputs:
                  voice: { from: loud, format: wav }
                """,
                file: "dup.yaml"
            )
            Issue.record("a recipe with repeated ids parsed")
            return
        } catch {
            diagnostics = error.diagnostics
        }
        // Only the repeated names: the step named 'voice' reads the input 'voice', not "its own output".
        #expect(diagnostics.map(\.code) == [.duplicateId, .duplicateId])
        let duplicates = diagnostics.filter { $0.code == .duplicateId }
        #expect(duplicates.map { $0.location?.description } == ["dup.yaml:6:11", "dup.yaml:8:11"])
        #expect(duplicates.first?.message == "step id 'voice' is already used by an input")
        #expect(duplicates.last?.message == "step id 'loud' is already used by another step")
        #expect(diagnostics.allSatisfy { $0.location != nil })
    }

    @Test("two keys that YAML keeps apart but name the same input are a duplicate-id")
    func booleanAndStringKeys() {
        do {
            _ = try RecipeParser().parse(
                "version: 1\nkind: edit\ninputs:\n  true: { upload: true }\n  'true': { upload: true }\noutputs: { o: { from: 'true' } }\n",
                file: "keys.yaml"
            )
            Issue.record("a recipe with one input name twice parsed")
        } catch {
            #expect(error.diagnostics.map(\.code) == [.duplicateId])
            #expect(error.diagnostics.first?.location?.description == "keys.yaml:5:3")
        }
    }

    static func parseSafely(_ text: String) {
        do {
            _ = try RecipeParser().parse(text, file: "fuzz.yaml")
        } catch {
            #expect(!error.diagnostics.isEmpty)
            for diagnostic in error.diagnostics {
                #expect(!diagnostic.message.isEmpty)
                #expect(diagnostic.location != nil, "\(diagnostic.code) has no location")
            }
        }
    }
}
