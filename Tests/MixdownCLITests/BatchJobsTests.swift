import Foundation
import MixdownPlanner
import MixdownTestSupport
import Testing

/// `mixdown batch --submit`: a batch of jobs in the store, run by worker processes, followed, reported
/// and cancelled from the command line.
@Suite("mixdown batch --submit")
struct BatchJobsTests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not JSON: \(text)")
    }

    /// Regular files under the storage's `uploads/`.
    static func uploadObjects(_ environment: [String: String]) -> Int {
        let root = URL(fileURLWithPath: environment["MIXDOWN_STORAGE"] ?? "").appendingPathComponent("uploads")
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])?.compactMap { $0 as? URL } ?? []
        return files.filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }.count
    }

    @Test(
        "--submit queues one job per file under one batch id; two workers drain it, each run once; status, report, outputs and jobs list read the store"
    )
    func submitAndDrain() async throws {
        let directory = try BatchEachTests.folder(episodes: 4)
        // A copy with the same bytes as ep1: stored once, not once per job.
        try FileManager.default.copyItem(
            atPath: directory.appendingPathComponent("raw/ep1.wav").path,
            toPath: directory.appendingPathComponent("raw/ep9.wav").path
        )
        let environment = try JobsCLITests.environment()
        let submitted = try Shell.mixdown(
            ["batch", directory.appendingPathComponent("clip.yaml").path, "--each", "voice=\(directory.path)/raw/*.wav", "--submit", "--json"],
            environment: environment
        )
        #expect(submitted.exitCode == 0, "\(submitted.standardError)")
        let id = try #require(try Self.json(submitted.standardOutput)["id"] as? String)
        #expect(id.hasPrefix("bat_"))
        #expect(Self.uploadObjects(environment) == 4, "five runs over four distinct files")

        let queued = try Self.json(try Shell.mixdown(["batch", "status", id, "--json"], environment: environment).standardOutput)
        #expect(queued["total"] as? Int == 5 && queued["queued"] as? Int == 5 && queued["finished"] as? Bool == false)

        // Two worker processes; each exits once nothing is queued or running.
        let logs = try TestMedia.temporaryDirectory("batch-workers")
        let workers = try await [0, 1].asyncMap { index in
            try await BackgroundProcess(
                Shell.mixdown,
                ["worker", "--exit-when-idle"],
                environment: environment,
                log: logs.appendingPathComponent("worker\(index).log").path
            )
        }
        let out = directory.appendingPathComponent("out"), report = directory.appendingPathComponent("report.json")
        let followed = try Shell.mixdown(
            ["batch", "status", id, "--wait", "--json", "--report", report.path, "--out", out.path],
            environment: environment
        )
        for worker in workers { #expect(try await worker.wait() == 0) }
        #expect(followed.exitCode == 0, "\(followed.standardError)")
        let final = try Self.json(followed.standardOutput)
        #expect(final["succeeded"] as? Int == 5 && final["failed"] as? Int == 0 && final["finished"] as? Bool == true)

        let entries = try BatchEachTests.report(report)
        #expect(entries.map { $0["name"] as? String } == ["ep1", "ep2", "ep3", "ep4", "ep9"])
        #expect(entries.allSatisfy { $0["status"] as? String == "passed" && ($0["outputs"] as? [String]) == ["clip.wav"] })
        for stem in ["ep1", "ep2", "ep3", "ep4", "ep9"] {
            let facts = try await TestMedia.facts(out.appendingPathComponent("\(stem)/clip.wav").path)
            #expect(abs((facts.duration ?? 0) - 1) < 0.05, "\(stem)")
        }

        let listed = try Self.json(try Shell.mixdown(["jobs", "list", "--batch", id, "--json"], environment: environment).standardOutput)
        let jobs = try #require(listed["jobs"] as? [[String: Any]])
        #expect(jobs.count == 5)
        // No run was done twice: one attempt each, all by the store's claim.
        #expect(jobs.allSatisfy { $0["attempts"] as? Int == 1 && $0["batchId"] as? String == id })
        #expect(Set(jobs.compactMap { $0["batchItem"] as? String }) == ["ep1", "ep2", "ep3", "ep4", "ep9"])

        // The same files again: a new batch, and still no new upload object.
        let again = try Shell.mixdown(
            ["batch", directory.appendingPathComponent("clip.yaml").path, "--each", "voice=\(directory.path)/raw/*.wav", "--submit"],
            environment: environment
        )
        #expect(again.exitCode == 0 && again.standardOutput.hasPrefix("bat_") && !again.standardOutput.contains(id))
        #expect(Self.uploadObjects(environment) == 4)
    }

    @Test("batch cancel ends every queued job; status --wait then exits 1; a refused run is named and makes --submit exit 1")
    func cancelAndRefuse() throws {
        let directory = try BatchEachTests.folder(episodes: 2)
        let manifest = directory.appendingPathComponent("runs.csv")
        try Data("voice\nraw/ep1.wav\nraw/ep2.wav\nraw/missing.wav\n".utf8).write(to: manifest)
        let environment = try JobsCLITests.environment()
        let submitted = try Shell.mixdown(
            ["batch", directory.appendingPathComponent("clip.yaml").path, "--manifest", manifest.path, "--submit", "--json"],
            environment: environment
        )
        #expect(submitted.exitCode == 1, "\(submitted.standardError)")
        let answer = try Self.json(submitted.standardOutput)
        let id = try #require(answer["id"] as? String)
        #expect(answer["total"] as? Int == 2)
        let rejected = try #require(answer["rejected"] as? [[String: Any]])
        #expect(rejected.count == 1 && (rejected.first?["error"] as? String ?? "").contains("runs.csv:4:"), "\(rejected)")

        let cancelled = try Self.json(try Shell.mixdown(["batch", "cancel", id, "--json"], environment: environment).standardOutput)
        #expect(cancelled["cancelled"] as? Int == 2 && cancelled["finished"] as? Bool == true)
        let waited = try Shell.mixdown(["batch", "status", id, "--wait"], environment: environment)
        #expect(waited.exitCode == 1 && waited.standardOutput.contains("2 cancelled"), "\(waited.standardOutput)")
        #expect(try Shell.mixdown(["batch", "status", "bat_nope"], environment: environment).exitCode == 66)
        // Nothing is left for a worker.
        let queued = try Self.json(
            try Shell.mixdown(["jobs", "list", "--batch", id, "--status", "queued", "--json"], environment: environment).standardOutput
        )
        #expect((queued["jobs"] as? [Any])?.isEmpty == true)
    }

    @Test("on a terminal one line shows the whole batch (done, failed, running, ETA) below the per-run lines")
    func progressLine() throws {
        let directory = try BatchEachTests.folder(episodes: 2)
        // script(1) runs the command on a pseudo-terminal and copies what it draws.
        let command = [
            Shell.mixdown, "batch", directory.appendingPathComponent("clip.yaml").path, "--each", "voice=\(directory.path)/raw/*.wav",
            "--out", directory.appendingPathComponent("out").path, "--jobs", "1",
        ].map { "'\($0)'" }.joined(separator: " ")
        let status = try Shell.run("script", ["-qefc", command, "/dev/null"])
        #expect(status.exitCode == 0, "\(status.standardOutput)\(status.standardError)")
        let screen = status.standardOutput
        #expect(screen.contains("0/2 done, 0 failed, 1 running"), "\(screen)")
        #expect(screen.contains("1/2 done, 0 failed, 0 running, ETA 0:0"), "\(screen)")
        #expect(screen.contains("2/2 done, 0 failed"), "\(screen)")
        #expect(screen.contains("[ok  ] ep1") && screen.contains("[ok  ] ep2"))
        // Each run's line is printed where the bar was: the bar is cleared first.
        #expect(screen.contains("\r\u{1B}[K[ok  ] ep1"), "\(screen.debugDescription)")
    }

    @Test("--json prints one event per run start and end, then a summary, on standard output")
    func jsonEvents() throws {
        let directory = try BatchEachTests.folder(episodes: 2)
        let status = try Shell.mixdown([
            "batch", directory.appendingPathComponent("clip.yaml").path, "--each", "voice=\(directory.path)/raw/*.wav", "--out",
            directory.appendingPathComponent("out").path, "--json",
        ])
        #expect(status.exitCode == 0, "\(status.standardError)")
        let events = try status.standardOutput.split(separator: "\n").map { try Self.json(String($0)) }
        #expect(events.filter { $0["event"] as? String == "start" }.compactMap { $0["name"] as? String }.sorted() == ["ep1", "ep2"])
        let ends = events.filter { $0["event"] as? String == "end" }
        #expect(ends.compactMap { $0["name"] as? String }.sorted() == ["ep1", "ep2"])
        #expect(ends.allSatisfy { $0["status"] as? String == "passed" && ($0["outputs"] as? [String]) == ["clip.wav"] })
        #expect(events.last?["event"] as? String == "summary" && events.last?["passed"] as? Int == 2)
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
