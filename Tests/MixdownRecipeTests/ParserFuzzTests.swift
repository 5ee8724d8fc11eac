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

    static func parseSafely(_ text: String) {
        do {
            _ = try RecipeParser().parse(text, file: "fuzz.yaml")
        } catch {
            #expect(!error.diagnostics.isEmpty)
            for diagnostic in error.diagnostics { #expect(!diagnostic.message.isEmpty) }
        }
    }
}
