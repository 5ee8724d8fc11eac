import Foundation
import MixdownTestSupport
import Testing

/// Recipes that once ended the process: each must be a located diagnostic, and one bad recipe in a batch
/// must not stop the others.
@Suite("Hostile recipes on the command line")
struct HostileRecipeTests {
    static let clashes: [(name: String, text: String, line: Int)] = [
        (
            "step-repeats-step",
            "version: 1\nkind: edit\ninputs: { voice: { upload: true } }\nsteps:\n  - { id: a, gain: -3dB }\n  - { id: a, gain: -3dB }\noutputs: { a: { format: wav } }\n",
            6
        ),
        (
            "step-repeats-input",
            "version: 1\nkind: edit\ninputs: { voice: { upload: true } }\nsteps:\n  - { id: voice, gain: -3dB }\noutputs: { voice: { format: wav } }\n",
            5
        ),
    ]

    @Test("validate: a step id that repeats a step's or an input's name is a located error, exit 65", arguments: [0, 1])
    func duplicateIds(index: Int) throws {
        let (name, text, line) = Self.clashes[index]
        let directory = try TestMedia.temporaryDirectory("hostile")
        let path = directory.appendingPathComponent("\(name).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let status = try Shell.mixdown(["validate", path])
        #expect(status.exitCode == 65, "\(status.standardError)")
        #expect(status.standardError.contains("\(path):\(line):"), "\(status.standardError)")
        #expect(status.standardError.contains("already used"), "\(status.standardError)")
    }

    @Test("batch: recipes with clashing ids fail alone; the good recipe beside them still runs")
    func batchGoesOn() throws {
        let directory = try TestMedia.temporaryDirectory("hostile-batch")
        let recipes = directory.appendingPathComponent("recipes")
        try FileManager.default.createDirectory(at: recipes, withIntermediateDirectories: true)
        for (name, text, _) in Self.clashes {
            try text.replacingOccurrences(of: "upload: true", with: "file: \(try TestMedia.path("intro.wav"))")
                .write(to: recipes.appendingPathComponent("\(name).yaml"), atomically: true, encoding: .utf8)
        }
        let good =
            "version: 1\nkind: edit\ninputs: { voice: { file: \(try TestMedia.path("intro.wav")) } }\nsteps:\n  - gain: -3dB\noutputs: { out: { format: wav } }\n"
        try good.write(to: recipes.appendingPathComponent("good.yaml"), atomically: true, encoding: .utf8)
        let out = directory.appendingPathComponent("out")
        let status = try Shell.mixdown(["batch", recipes.path, "--out", out.path])
        #expect(status.exitCode != 0)
        #expect(!status.standardError.contains("Fatal error"), "\(status.standardError)")
        let produced = FileManager.default.enumerator(atPath: out.path)?.allObjects.compactMap { $0 as? String } ?? []
        #expect(produced.contains { $0.hasSuffix("out.wav") }, "\(produced)")
    }
}
