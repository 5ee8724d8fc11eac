import Foundation
import MixdownJobs
import MixdownPlanner
import MixdownStorage
import MixdownTestSupport
import Testing

/// A store, storage and recipes in a fresh folder, plus `mixdown worker` processes pointed at them.
struct JobsHarness {
    let directory: URL
    let configuration: MixdownConfiguration
    let services: MixdownServices
    var environment: [String: String]

    init(backend: StoreBackend = .sqlite, leaseSeconds: Double = 5, pollSeconds: Double = 0.5, extra: [String: String] = [:]) throws {
        directory = try TestMedia.temporaryDirectory("jobs")
        var environment = [
            "MIXDOWN_STORE": try backend.storeSetting(in: directory),
            "MIXDOWN_STORAGE": directory.appendingPathComponent("storage").path,
            "MIXDOWN_LEASE_SECONDS": String(leaseSeconds),
            "MIXDOWN_POLL_SECONDS": String(pollSeconds),
            "MIXDOWN_RETRY_BACKOFF_SECONDS": "0",
        ]
        environment.merge(extra) { $1 }
        self.environment = environment
        configuration = try MixdownConfiguration.fromEnvironment(environment)
        services = try MixdownServices.make(configuration)
        for name in ["voice.wav", "intro.wav", "bed.wav", "cover.png"] {
            try FileManager.default.createSymbolicLink(
                at: directory.appendingPathComponent(name),
                withDestinationURL: try TestMedia.directory().appendingPathComponent(name)
            )
        }
    }

    /// A recipe that takes ffmpeg a while: the 20 s voice looped `loops` times through a denoiser.
    static func slowRecipe(loops: Int, kind: String = "edit") -> String {
        "version: 1\nkind: \(kind)\ninputs: { v: { file: voice.wav } }\nsteps:\n  - loop: { count: \(loops) }\n  - denoise: {}\noutputs: { out: { format: flac } }\n"
    }

    static let quickRecipe =
        "version: 1\nkind: edit\ninputs: { v: { file: intro.wav } }\nsteps:\n  - trim: { duration: 0.2s }\n  - gain: -3dB\noutputs: { out: { format: wav } }\n"

    func submit(_ recipe: String, preview: Bool = false) async throws -> Job {
        try await JobSubmitter(services: services).submit(
            recipe: recipe,
            recipeName: "test.yaml",
            recipeDirectory: directory.path,
            preview: preview ? .init(start: 0, duration: 10) : nil
        )
    }

    func startWorker(_ extra: [String: String] = [:], exitWhenIdle: Bool = false) async throws -> BackgroundProcess {
        try await BackgroundProcess(
            Shell.mixdown,
            ["worker"] + (exitWhenIdle ? ["--exit-when-idle"] : []),
            environment: environment.merging(extra) { $1 },
            log: directory.appendingPathComponent("workers.log").path
        )
    }

    func job(_ id: String) async throws -> Job {
        try #require(try await services.store.job(id: id))
    }

    /// Waits for a condition on the store, re-checking whenever the store changes, for at most `seconds`.
    func waitFor(_ what: String, seconds: Double = 60, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var counter = -1
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            // The store's change counter is the event; waiting on it leaves the cores to the workers.
            counter = await services.store.waitForChange(since: counter, upTo: 1)
        }
        Issue.record("timed out waiting for \(what)")
        throw TestSupportError("timed out waiting for \(what)")
    }

    /// The job's attempt folders left in the workers' temporary folder.
    static func workFolders(of jobId: String) -> [String] {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("mixdown-jobs").path
        let stores = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return stores.flatMap { store in
            ((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(store)")) ?? []).filter { $0.hasPrefix(jobId) }
        }
    }

    /// ffmpeg processes whose command line names the job (its work folder does).
    static func processes(of jobId: String) throws -> [String] {
        try Shell.run("pgrep", ["-f", "ffmpeg.*\(jobId)"]).standardOutput.split(separator: "\n").map(String.init)
    }
}
