import Foundation
import MixdownTestSupport
import Synchronization
import Testing

/// `submit`, `worker` and `jobs` through the built binary, sharing one store by environment only.
@Suite("mixdown jobs command line")
struct JobsCLITests {
    static func environment() throws -> [String: String] {
        let directory = try TestMedia.temporaryDirectory("jobs-cli")
        return [
            "MIXDOWN_STORE": "sqlite:\(directory.appendingPathComponent("store.sqlite").path)",
            "MIXDOWN_STORAGE": directory.appendingPathComponent("storage").path,
            "MIXDOWN_POLL_SECONDS": "0.5",
        ]
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("submit, list, show, cancel and retry print the job record the API will return")
    func lifecycle() throws {
        let environment = try Self.environment()
        let recipes = try TestMedia.recipesCopy()
        let voice = try TestMedia.path("voice.wav")
        let submitted = try Shell.mixdown(
            ["submit", recipes.appendingPathComponent("quick-preview.yaml").path, "--input", "voice=\(voice)", "--preview", "5,3", "--json"],
            environment: environment
        )
        #expect(submitted.exitCode == 0, "\(submitted.standardError)")
        let job = try Self.json(submitted.standardOutput)
        let id = try #require(job["id"] as? String)
        #expect(job["type"] as? String == "preview" && job["status"] as? String == "queued" && job["progress"] as? Double == 0)

        let listed = try Self.json(try Shell.mixdown(["jobs", "list", "--json", "--type", "preview"], environment: environment).standardOutput)
        #expect((listed["jobs"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])

        let cancelled = try Self.json(try Shell.mixdown(["jobs", "cancel", id, "--json"], environment: environment).standardOutput)
        #expect(cancelled["status"] as? String == "cancelled")
        let retried = try Self.json(try Shell.mixdown(["jobs", "retry", id, "--json"], environment: environment).standardOutput)
        #expect(retried["status"] as? String == "queued")

        #expect(try Shell.mixdown(["worker", "--exit-when-idle"], environment: environment).exitCode == 0)
        let shown = try Self.json(try Shell.mixdown(["jobs", "show", id, "--json"], environment: environment).standardOutput)
        #expect(shown["status"] as? String == "succeeded")
        let outputs = try #require((shown["result"] as? [String: Any])?["outputs"] as? [[String: Any]])
        #expect(outputs.count == 1)
        for key in ["name", "key", "contentType", "bytes", "durationSeconds", "sha256", "assetId"] { #expect(outputs[0][key] != nil, "\(key)") }

        let missing = try Shell.mixdown(["jobs", "show", "job_01M8AJQYDM3GVYY7BA57VASWSQ"], environment: environment)
        #expect(missing.exitCode == 66)
    }

    @Test("an invalid recipe is refused before any job exists")
    func invalid() throws {
        let environment = try Self.environment()
        let directory = try TestMedia.temporaryDirectory("bad")
        let bad = directory.appendingPathComponent("bad.yaml").path
        try "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - lowpas: 100\noutputs: { o: {} }\n".write(
            toFile: bad,
            atomically: true,
            encoding: .utf8
        )
        let status = try Shell.mixdown(["submit", bad, "--input", "v=\(try TestMedia.path("voice.wav"))"], environment: environment)
        #expect(status.exitCode == 65)
        #expect(status.standardError.contains("\(bad):5:5: error: unknown operation 'lowpas' (did you mean 'lowpass'?)"))
        let listed = try Self.json(try Shell.mixdown(["jobs", "list", "--json"], environment: environment).standardOutput)
        #expect((listed["jobs"] as? [Any])?.isEmpty == true)
    }

    @Test("submit --wait follows a job a separate worker process runs")
    func wait() async throws {
        let environment = try Self.environment()
        let log = try TestMedia.temporaryDirectory("wait").appendingPathComponent("worker.log")
        let worker = try await BackgroundProcess(Shell.mixdown, ["worker"], environment: environment, log: log.path)
        let recipes = try TestMedia.recipesCopy()
        // A guard, not a measure: should the worker die, `--wait` would wait for ever; `timeout` turns that
        // into a failure that shows the worker's log.
        let status = try Shell.run(
            "timeout",
            [
                "300", Shell.mixdown, "submit", recipes.appendingPathComponent("podcast-cleanup.yaml").path, "--input",
                "voice=\(try TestMedia.path("voice.wav"))", "--wait", "--json",
            ],
            environment: environment
        )
        #expect(status.exitCode != 124, "the worker did not run the job: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        worker.signal(SIGTERM)
        #expect(try await worker.wait() == 0)
        #expect(status.exitCode == 0, "\(status.standardError)")
        let job = try Self.json(status.standardOutput)
        #expect(job["status"] as? String == "succeeded" && job["type"] as? String == "save")
        #expect(((job["result"] as? [String: Any])?["outputs"] as? [Any])?.count == 2)
    }

    @Test("eight processes opening one new SQLite store at once all start: the migrations are applied once, not raced")
    func concurrentFirstOpen() throws {
        let environment = try Self.environment()
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let status = try? Shell.mixdown(["jobs", "list", "--json"], environment: environment)
            if status?.exitCode != 0 { failures.withLock { $0.append("exit \(status?.exitCode ?? -1): \(status?.standardError ?? "")") } }
        }
        #expect(failures.withLock { $0 }.isEmpty)
    }

    @Test("a bad setting is named at start-up")
    func badConfiguration() throws {
        let status = try Shell.mixdown(
            ["jobs", "list"],
            environment: ["MIXDOWN_POLL_SECONDS": "soon", "MIXDOWN_STORE": "mysql://x", "MIXDOWN_RENDER_DEVICE": "tpu"]
        )
        #expect(status.exitCode == 78)
        #expect(status.standardError.contains("MIXDOWN_RENDER_DEVICE=tpu: expected auto, cpu, gpu"))
        #expect(status.standardError.contains("MIXDOWN_POLL_SECONDS=soon"))
        #expect(status.standardError.contains("MIXDOWN_STORE=mysql://x"))
    }
}

@Suite("mixdown render-node command line")
struct RenderNodeCLITests {
    @Test("render-node refuses to start without its token, the callback secret and the callback origin, naming each")
    func needsSecrets() throws {
        let status = try Shell.mixdown(["render-node", "--port", "0"], environment: ["RENDER_TOKEN": "", "INTERNAL_WEBHOOK_SECRET": ""])
        #expect(status.exitCode == 78)
        for name in ["RENDER_TOKEN", "INTERNAL_WEBHOOK_SECRET", "MIXDOWN_RENDER_CALLBACK_ORIGIN"] {
            #expect(status.standardError.contains("\(name) is not set"), "\(status.standardError)")
        }
    }
}
