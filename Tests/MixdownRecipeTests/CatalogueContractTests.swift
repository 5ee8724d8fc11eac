import Foundation
import MixdownRecipe
import Testing

/// The catalogue is the one source of truth: the docs, the committed schema and the parser must agree with it.
@Suite("Catalogue contracts")
struct CatalogueContractTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("Docs/recipes.md carries the generated operation reference, every operation with an example")
    func docsMatchCatalogue() throws {
        let block = try GeneratedBlock.read("Docs/recipes.md", "OPERATIONS")
        #expect(block == OperationCatalogue.markdown().trimmingCharacters(in: .whitespacesAndNewlines), "regenerate with: mixdown ops --markdown")
        for operation in OperationCatalogue.all {
            #expect(block.contains("### `\(operation.name)`"))
            #expect(block.contains("- \(operation.example)"))
        }
    }

    @Test("operation names are unique, so a lookup by name finds the one operation of that name")
    func uniqueNames() {
        #expect(Set(OperationCatalogue.names).count == OperationCatalogue.all.count)
        for operation in OperationCatalogue.all { #expect(OperationCatalogue.operation(named: operation.name)?.summary == operation.summary) }
    }

    @Test("every operation's example parses")
    func examplesParse() throws {
        for operation in OperationCatalogue.all {
            let audioInputs =
                "a: { upload: true }\n  b: { upload: true }\n  song_a: { upload: true }\n  song_b: { upload: true }\n"
                + "  intro: { upload: true }\n  body: { upload: true }\n  outro: { upload: true }\n  voice: { upload: true }\n  bed: { upload: true }\n"
                + "  cover: { file: cover.png }"
            var step = "  - \(operation.example)"
            if operation.input == .video {
                step = "  - { id: v, from: a, visualize: {} }\n  - from: v\n    \(operation.example)"
            } else if operation.input != nil {
                step = "  - from: a\n    \(operation.example)"
            }
            let text = "version: 1\nkind: render\ninputs:\n  \(audioInputs)\nsteps:\n\(step)\noutputs: { o: {} }\n"
            #expect(throws: Never.self, "example of \(operation.name)") { try RecipeParser().parse(text, file: "\(operation.name).yaml") }
        }
    }

    @Test("Schemas/recipe.schema.json is the schema mixdown generates")
    func committedSchema() throws {
        let committed = try String(contentsOf: Self.root.appendingPathComponent("Schemas/recipe.schema.json"), encoding: .utf8)
        #expect(try committed == RecipeSchema.json(), "regenerate with: mixdown schema > Schemas/recipe.schema.json")
    }

    static let valid = [
        "version: 1\nkind: edit\ninputs: { v: { upload: true } }\noutputs: { o: { format: mp3, bitrate: 128k } }\n",
        "version: 1\nkind: edit\nparams: { g: -3 }\ninputs: { v: { upload: true } }\nsteps:\n  - gain: \"${g}\"\n  - highpass: 80Hz\noutputs: { o: {} }\n",
        "version: 1\nkind: ingest\ninputs: { v: { url: 'https://example.com/a.mp3' } }\nsteps:\n  - resample: { rate: 48000 }\n  - id: p\n    peaks: 200\noutputs: { o: { from: p } }\n",
        "version: 1\nkind: edit\ninputs: { a: { file: a.wav }, b: { file: b.wav } }\nsteps:\n  - concat: { tracks: [a, b], crossfade: 2s }\noutputs: { o: { format: flac, expect: { lufs: [-17, -15], duration: [1m, 2m] } } }\n",
        "version: 1\nkind: render\ninputs: { a: { asset: ast_123 }, c: { file: c.jpg } }\nsteps:\n  - from: a\n    visualize: { style: cqt, size: 640x360, background: c }\n  - title: hello\noutputs: { o: { format: mp4 } }\n",
        "version: 1\nkind: edit\ninputs: { a: { upload: true } }\nsteps:\n  - eq: { bands: [{ freq: 1k, gain: -2dB }] }\n  - trim_silence: { where: all }\n  - analyze: {}\noutputs: { o: {} }\n",
    ]

    static let invalid = [
        "kind: edit\ninputs: { v: { upload: true } }\noutputs: { o: {} }\n",
        "version: 2\nkind: edit\ninputs: { v: { upload: true } }\noutputs: { o: {} }\n",
        "version: 1\nkind: remix\ninputs: { v: { upload: true } }\noutputs: { o: {} }\n",
        "version: 1\nkind: edit\ninputs: { v: { upload: true, file: a.wav } }\noutputs: { o: {} }\n",
        "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - hihgpass: 80\noutputs: { o: {} }\n",
        "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - highpass: { freq: 80, q: 2 }\noutputs: { o: {} }\n",
        "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - trim: { start: soon }\noutputs: { o: {} }\n",
        "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - gain: -3\n    highpass: 80\noutputs: { o: {} }\n",
        "version: 1\nkind: edit\ninputs: { v: { upload: true } }\noutputs: { o: { format: mp5 } }\n",
        "version: 1\nkind: edit\ninputs: { v: { upload: true } }\noutputs: { o: { expect: { loudness: -16 } } }\n",
        "version: 1\nkind: edit\ninputs: { v: { url: 'ftp://example.com/a.mp3' } }\noutputs: { o: {} }\n",
        "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - concat: [v]\noutputs: { o: {} }\n",
        "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - speed: 9\noutputs: { o: {} }\n",
        "version: 1\nkind: edit\nextra: 1\ninputs: { v: { upload: true } }\noutputs: { o: {} }\n",
        "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - loudnorm: { target: -3 }\noutputs: { o: {} }\n",
        "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - gain: 61\noutputs: { o: {} }\n",
        "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - eq: [{ freq: 100, gain: -31 }]\noutputs: { o: {} }\n",
    ]

    @Test("the schema and the parser accept and reject the same corpus")
    func schemaAgreesWithParser() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mixdown-schema-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var files: [(String, Bool)] = []
        for (index, text) in (Self.valid.map { ($0, true) } + Self.invalid.map { ($0, false) }).enumerated() {
            let path = directory.appendingPathComponent("doc\(index).yaml").path
            try text.0.write(toFile: path, atomically: true, encoding: .utf8)
            files.append((path, text.1))
            let parsed = (try? RecipeParser().parse(text.0, file: "doc\(index).yaml")) != nil
            #expect(parsed == text.1, "parser on document \(index):\n\(text.0)")
        }
        // The schema side runs in Python's jsonschema, an independent 2020-12 implementation.
        let script = """
            import json, sys, yaml, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            validator = jsonschema.Draft202012Validator(schema)
            for path in sys.argv[2:]:
                print(json.dumps(validator.is_valid(yaml.safe_load(open(path)))))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, Self.root.appendingPathComponent("Schemas/recipe.schema.json").path] + files.map(\.0)
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let verdicts = output.split(separator: "\n").map { $0 == "true" }
        #expect(verdicts == files.map(\.1), "schema verdicts per document")
    }
}
