import Foundation
import MixdownExecution
import MixdownPlanner
import MixdownTestSupport
import Testing

/// The command line, tested by running the built `mixdown` binary the way a user does.
@Suite("mixdown command line")
struct CLITests {
    @Test("validate prints FILE:LINE:COLUMN diagnostics with suggestions and exits 65")
    func validateInvalid() throws {
        let directory = try TestMedia.temporaryDirectory("cli")
        let bad = directory.appendingPathComponent("bad.yaml").path
        try """
        version: 1
        kind: edit
        inputs: { voice: { upload: true } }
        steps:
          - hihgpass: { freq: 80 }
          - from: vioce
            gain: -3dB
        outputs: { out: { format: mp3 } }
        """.write(toFile: bad, atomically: true, encoding: .utf8)
        let status = try Shell.mixdown(["validate", bad])
        #expect(status.exitCode == 65)
        let lines = status.standardError.split(separator: "\n").map(String.init)
        #expect(lines.contains("\(bad):5:5: error: unknown operation 'hihgpass' (did you mean 'highpass'?)"))
        #expect(lines.contains("\(bad):6:11: error: 'vioce' is not an input or a step id (did you mean 'voice'?)"))
        #expect(lines.last == "2 problems in 1 of 1 recipe")

        let json = try Shell.mixdown(["validate", "--json", bad])
        #expect(json.exitCode == 65)
        let parsed = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [[String: Any]]
        #expect((parsed?.first?["diagnostics"] as? [Any])?.count == 2)
    }

    @Test("every example recipe validates and runs, meeting its own expectations")
    func examples() throws {
        let recipes = try TestMedia.recipesCopy()
        let server = try LoopbackHTTPServer(serving: try TestMedia.directory())
        defer { server.stop() }
        let voice = try TestMedia.path("voice.wav")
        let files = try FileManager.default.contentsOfDirectory(atPath: recipes.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files.count >= 5)
        #expect(try Shell.mixdown(["validate"] + files.map { recipes.appendingPathComponent($0).path }).exitCode == 0)
        for file in files {
            let out = recipes.appendingPathComponent("out-\(file)").path
            var arguments = ["run", recipes.appendingPathComponent(file).path, "--out", out, "--json"]
            // The examples are written for 60 s of voice; the test voice is 20 s.
            arguments += file == "ingest-link.yaml" ? ["--set", "source=\(server.url("voice.wav"))"] : ["--input", "voice=\(voice)"]
            if file == "music-bed-ducking.yaml" { continue }
            let status = try Shell.mixdown(arguments, environment: ["MIXDOWN_ALLOW_PRIVATE_URLS": "1"])
            #expect(status.exitCode == 0, "\(file): \(status.standardError)")
            let last = try #require(status.standardOutput.split(separator: "\n").last)
            let summary = try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any]
            let outputs = summary?["outputs"] as? [[String: Any]] ?? []
            #expect(!outputs.isEmpty, "\(file)")
            for output in outputs {
                #expect(FileManager.default.fileExists(atPath: output["path"] as? String ?? ""))
                #expect((output["sha256"] as? String)?.count == 64)
            }
        }
    }

    @Test("the music-bed example ducks the bed under the voice and meets its loudness expectation")
    func musicBed() async throws {
        let recipes = try TestMedia.recipesCopy()
        // Its expectations are for a 60 s voice: make one.
        let voice = recipes.appendingPathComponent("voice60.wav").path
        let status = try Shell.run(
            TestMedia.repositoryRoot.appendingPathComponent("Scripts/demo-media.sh").path,
            [recipes.appendingPathComponent("long").path, "60"]
        )
        #expect(status.exitCode == 0)
        try FileManager.default.copyItem(atPath: recipes.appendingPathComponent("long/voice.wav").path, toPath: voice)
        let out = recipes.appendingPathComponent("out").path
        let run = try Shell.mixdown(["run", recipes.appendingPathComponent("music-bed-ducking.yaml").path, "--input", "voice=\(voice)", "--out", out])
        #expect(run.exitCode == 0, "\(run.standardError)")
        let loudness = try await TestMedia.loudness("\(out)/episode.m4a")
        #expect(abs(loudness.integratedLufs + 16) <= 1)
    }

    @Test("the podcast example passes its own expectations (within 0.5 LU of -16 LUFS) on voices of 5 s and 90 s", arguments: [5, 90])
    func podcastExample(seconds: Int) async throws {
        let recipes = try TestMedia.recipesCopy()
        let media = recipes.appendingPathComponent("voice-\(seconds)")
        let made = try Shell.run(TestMedia.repositoryRoot.appendingPathComponent("Scripts/demo-media.sh").path, [media.path, "\(seconds)"])
        #expect(made.exitCode == 0, "\(made.standardError)")
        let out = recipes.appendingPathComponent("out").path
        let run = try Shell.mixdown([
            "run", recipes.appendingPathComponent("podcast-cleanup.yaml").path, "--input", "voice=\(media.path)/voice.wav", "--out", out,
        ])
        #expect(run.exitCode == 0, "\(run.standardError)")
        let episode = "\(out)/episode.mp3"
        let facts = try await TestMedia.facts(episode)
        // The chimes keep their 44.1 kHz stereo; the 48 kHz mono voice is not lowered.
        #expect(facts.sampleRate == 48_000 && facts.channels == 2)
        let loudness = try await TestMedia.loudness(episode)
        #expect(abs(loudness.integratedLufs + 16) <= 0.5, "\(loudness.integratedLufs) LUFS")
    }

    @Test("--preview renders just the window, fast and at a low bitrate")
    func preview() async throws {
        let recipes = try TestMedia.recipesCopy()
        let out = recipes.appendingPathComponent("preview").path
        let status = try Shell.mixdown([
            "run", recipes.appendingPathComponent("podcast-cleanup.yaml").path, "--input", "voice=\(try TestMedia.path("voice.wav"))",
            "--preview", "5,4", "--out", out,
        ])
        #expect(status.exitCode == 0, "\(status.standardError)")
        let facts = try await TestMedia.facts("\(out)/episode.mp3")
        #expect(abs((facts.duration ?? 0) - 4) < 0.15)
        let bytes = try FileManager.default.attributesOfItem(atPath: "\(out)/episode.mp3")[.size] as? Int ?? 0
        #expect(bytes < 4 * 96_000 / 8 + 4_000)
    }

    @Test("the shell plan reproduces the run")
    func shellPlan() async throws {
        let recipes = try TestMedia.recipesCopy()
        let recipe = recipes.appendingPathComponent("music-bed-ducking.yaml").path
        let voice = try TestMedia.path("voice.wav")
        let plan = try Shell.mixdown(["plan", recipe, "--input", "voice=\(voice)"])
        #expect(plan.exitCode == 0)
        let script = recipes.appendingPathComponent("plan.sh").path
        try plan.standardOutput.write(toFile: script, atomically: true, encoding: .utf8)
        let shellOut = recipes.appendingPathComponent("by-shell").path
        let shell = try Shell.run("/bin/sh", [script], environment: ["OUT": shellOut])
        #expect(shell.exitCode == 0, "\(shell.standardError)")
        // The script runs with no expectation checks of its own: measure what it wrote.
        let shellLoudness = try await TestMedia.loudness("\(shellOut)/episode.m4a")
        let shellFacts = try await TestMedia.facts("\(shellOut)/episode.m4a")
        #expect(abs((shellFacts.duration ?? 0) - 20) < 0.1)
        #expect(abs(shellLoudness.integratedLufs + 16) <= 0.6)
    }

    @Test("batch goes on past a failure, reports JSON and JUnit, then skips unchanged recipes")
    func batch() throws {
        let folder = try TestMedia.temporaryDirectory("batch")
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("media"), withDestinationURL: try TestMedia.directory())
        let good = "version: 1\nkind: edit\ninputs: { v: { file: media/intro.wav } }\nsteps:\n  - gain: -3dB\noutputs: { out: { format: flac } }\n"
        try good.write(to: folder.appendingPathComponent("a-good.yaml"), atomically: true, encoding: .utf8)
        try good.replacingOccurrences(of: "intro", with: "outro").write(
            to: folder.appendingPathComponent("b-good.yaml"),
            atomically: true,
            encoding: .utf8
        )
        try "version: 1\nkind: edit\ninputs: { v: { file: media/missing.wav } }\noutputs: { out: {} }\n"
            .write(to: folder.appendingPathComponent("c-broken.yaml"), atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out").path
        let report = folder.appendingPathComponent("report.json").path
        let first = try Shell.mixdown(["batch", folder.path, "--out", out, "--jobs", "2", "--report", report])
        #expect(first.exitCode == 1)
        #expect(first.standardError.contains("[FAIL] c-broken"))
        #expect(first.standardOutput.contains("2 passed, 1 failed, 0 skipped"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any]
        #expect(json?["passed"] as? Int == 2 && json?["failed"] as? Int == 1)
        #expect(FileManager.default.fileExists(atPath: "\(out)/a-good/out.flac"))

        let xml = folder.appendingPathComponent("report.xml").path
        let second = try Shell.mixdown(["batch", folder.path, "--out", out, "--report", xml])
        #expect(second.standardOutput.contains("0 passed, 1 failed, 2 skipped"))
        let junit = try String(contentsOfFile: xml, encoding: .utf8)
        #expect(junit.contains("<testsuite name=\"mixdown-batch\" tests=\"3\" failures=\"1\" skipped=\"2\""))
        #expect(junit.contains("<failure message="))

        // A changed input reruns only its recipe; --force reruns all.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("media"))
        let media = folder.appendingPathComponent("media")
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
        try TestMedia.generate("sine=f=300:d=2", to: media.appendingPathComponent("intro.wav").path)
        try FileManager.default.copyItem(atPath: try TestMedia.path("outro.wav"), toPath: media.appendingPathComponent("outro.wav").path)
        let third = try Shell.mixdown(["batch", folder.path, "--out", out])
        #expect(third.standardOutput.contains("1 passed, 1 failed, 1 skipped"))
        let forced = try Shell.mixdown(["batch", folder.path, "--out", out, "--force"])
        #expect(forced.standardOutput.contains("2 passed, 1 failed, 0 skipped"))
    }

    @Test("ops lists every operation; schema prints the committed schema")
    func opsAndSchema() throws {
        let ops = try Shell.mixdown(["ops"])
        #expect(ops.exitCode == 0)
        for name in ["trim", "loudnorm", "visualize", "peaks", "trim_silence"] { #expect(ops.standardOutput.contains(name)) }
        let schema = try Shell.mixdown(["schema"])
        let committed = try String(contentsOf: TestMedia.repositoryRoot.appendingPathComponent("Schemas/recipe.schema.json"), encoding: .utf8)
        #expect(schema.standardOutput == committed)
    }

    @Test("a run with a missing upload names the input and exits 65; a failing tool exits 1 without partial files")
    func runErrors() throws {
        let recipes = try TestMedia.recipesCopy()
        let missing = try Shell.mixdown([
            "run", recipes.appendingPathComponent("quick-preview.yaml").path, "--out", recipes.appendingPathComponent("o").path,
        ])
        #expect(missing.exitCode == 65)
        #expect(missing.standardError.contains("input 'voice' is an upload: supply it with --input voice=PATH"))

        let notAudio = recipes.appendingPathComponent("notes.wav").path
        try "not audio".write(toFile: notAudio, atomically: true, encoding: .utf8)
        let out = recipes.appendingPathComponent("o2").path
        let broken = try Shell.mixdown([
            "run", recipes.appendingPathComponent("quick-preview.yaml").path, "--input", "voice=\(notAudio)", "--out", out,
        ])
        #expect(broken.exitCode == 1)
        #expect(broken.standardError.contains("cannot read media"))
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).filter { !$0.hasPrefix(".mixdown-inputs") }.isEmpty)
    }
}
