import Foundation
import MixdownPlanner
import MixdownTestSupport
import Testing

/// `mixdown batch RECIPE --each NAME=GLOB`: one recipe over many inputs.
@Suite("mixdown batch --each")
struct BatchEachTests {
    static let recipe = """
        version: 1
        kind: edit
        inputs: { voice: { upload: true } }
        steps:
          - trim: { duration: 1s }
        outputs: { clip: { format: wav } }
        """

    /// A folder with the recipe and `raw/ep1.wav`... of different lengths.
    static func folder(episodes: Int) throws -> URL {
        let directory = try TestMedia.temporaryDirectory("batch-each")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("raw"), withIntermediateDirectories: true)
        for index in 1...episodes {
            try TestMedia.generate("sine=f=\(200 * index):d=\(index + 1)", to: directory.appendingPathComponent("raw/ep\(index).wav").path)
        }
        try Data(recipe.utf8).write(to: directory.appendingPathComponent("clip.yaml"))
        return directory
    }

    static func report(_ path: URL) throws -> [[String: Any]] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: path)) as? [String: Any]
        return try #require(object?["recipes"] as? [[String: Any]])
    }

    @Test("runs the recipe once per matching file, outputs under OUT/<stem>/; a rerun skips all, and after one file changes runs that one")
    func perFile() async throws {
        let directory = try Self.folder(episodes: 3)
        let out = directory.appendingPathComponent("out"), report = directory.appendingPathComponent("report.json")
        let arguments = [
            "batch", directory.appendingPathComponent("clip.yaml").path, "--each", "voice=\(directory.path)/raw/*.wav",
            "--out", out.path, "--jobs", "2", "--report", report.path,
        ]
        let first = try Shell.mixdown(arguments)
        #expect(first.exitCode == 0, "\(first.standardOutput)\(first.standardError)")
        for index in 1...3 {
            let clip = out.appendingPathComponent("ep\(index)/clip.wav").path
            let facts = try await TestMedia.facts(clip)
            #expect(abs((facts.duration ?? 0) - 1) < 0.05, "ep\(index)")
        }
        #expect(try Self.report(report).map { $0["status"] as? String } == ["passed", "passed", "passed"])

        #expect(try Shell.mixdown(arguments).exitCode == 0)
        #expect(try Self.report(report).map { $0["status"] as? String } == ["skipped", "skipped", "skipped"])

        try TestMedia.generate("sine=f=900:d=2", to: directory.appendingPathComponent("raw/ep2.wav").path)
        #expect(try Shell.mixdown(arguments).exitCode == 0)
        #expect(try Self.report(report).map { $0["status"] as? String } == ["skipped", "passed", "skipped"])
    }

    @Test("several --each pair files by stem; an unpaired stem fails alone, named, and the exit status is 1")
    func pairing() throws {
        let directory = try Self.folder(episodes: 3)
        let pairedRecipe = Self.recipe.replacingOccurrences(
            of: "inputs: { voice: { upload: true } }",
            with: "inputs: { voice: { upload: true }, bed: { upload: true } }"
        ).replacingOccurrences(of: "  - trim: { duration: 1s }", with: "  - { from: voice, trim: { duration: 1s } }")
        try Data(pairedRecipe.utf8).write(to: directory.appendingPathComponent("clip.yaml"))
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("beds"), withIntermediateDirectories: true)
        for index in 1...2 { try TestMedia.generate("anoisesrc=d=2:a=0.05", to: directory.appendingPathComponent("beds/ep\(index).wav").path) }
        let out = directory.appendingPathComponent("out"), report = directory.appendingPathComponent("report.json")
        let status = try Shell.mixdown([
            "batch", directory.appendingPathComponent("clip.yaml").path, "--each", "voice=\(directory.path)/raw/*.wav",
            "--each", "bed=\(directory.path)/beds/*.wav", "--out", out.path, "--report", report.path,
        ])
        #expect(status.exitCode == 1, "\(status.standardOutput)\(status.standardError)")
        let entries = try Self.report(report)
        #expect(entries.map { $0["name"] as? String } == ["ep1", "ep2", "ep3"])
        #expect(entries.map { $0["status"] as? String } == ["passed", "passed", "failed"])
        #expect((entries[2]["error"] as? String ?? "").contains("unpaired: no bed file for 'ep3'"), "\(entries[2])")
    }

    @Test("--manifest runs one row each, with its own inputs and params; a row with a missing file fails alone as FILE.csv:LINE")
    func manifest() async throws {
        let directory = try Self.folder(episodes: 2)
        let recipe = """
            version: 1
            kind: edit
            params: { len: 1 }
            inputs: { voice: { upload: true } }
            steps:
              - trim: { duration: "${len}s" }
            outputs: { clip: { format: wav } }
            """
        try Data(recipe.utf8).write(to: directory.appendingPathComponent("clip.yaml"))
        let csv = "name,voice,set.len\nfirst,raw/ep1.wav,1\n\"second, quoted\",raw/ep2.wav,2\nmissing,raw/none.wav,1\n"
        let manifest = directory.appendingPathComponent("runs.csv")
        try Data(csv.utf8).write(to: manifest)
        let out = directory.appendingPathComponent("out"), report = directory.appendingPathComponent("report.json")
        let status = try Shell.mixdown([
            "batch", directory.appendingPathComponent("clip.yaml").path, "--manifest", manifest.path, "--out", out.path, "--report", report.path,
        ])
        #expect(status.exitCode == 1, "\(status.standardOutput)\(status.standardError)")
        let entries = try Self.report(report)
        #expect(entries.map { $0["name"] as? String } == ["first", "second__quoted", "missing"])
        #expect(entries.map { $0["status"] as? String } == ["passed", "passed", "failed"])
        #expect((entries[2]["error"] as? String ?? "").contains("runs.csv:4: input 'voice': no file 'raw/none.wav'"), "\(entries[2])")
        let first = try await TestMedia.facts(out.appendingPathComponent("first/clip.wav").path)
        let second = try await TestMedia.facts(out.appendingPathComponent("second__quoted/clip.wav").path)
        #expect(abs((first.duration ?? 0) - 1) < 0.05 && abs((second.duration ?? 0) - 2) < 0.05)
    }

    @Test("--each with a folder, a bad option or a pattern that matches nothing is a usage error")
    func usage() throws {
        let directory = try Self.folder(episodes: 1)
        let recipe = directory.appendingPathComponent("clip.yaml").path
        for (arguments, message) in [
            ([directory.path, "--each", "voice=\(directory.path)/raw/*.wav"], "is not a recipe file"),
            ([recipe, "--each", "voice"], "--each takes NAME=GLOB"),
            ([recipe, "--each", "voice=\(directory.path)/none/*.wav"], "matches no file"),
        ] {
            let status = try Shell.mixdown(["batch"] + arguments + ["--out", directory.appendingPathComponent("out").path])
            #expect(status.exitCode == 64 && status.standardError.contains(message), "\(arguments): \(status.standardError)")
        }
    }
}
