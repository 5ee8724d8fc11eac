import ArgumentParser
internal import Foundation
import MixdownExecution
import MixdownJobs

/// `mixdown bench-store`: the numbers of whichever store `MIXDOWN_STORE` configures, for `Benchmarks/jobs.sh`
/// and `Benchmarks/stores.sh` (hidden from help). Every time it reports is the store's clock or this process's.
struct BenchStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-store",
        abstract: "Measure claim throughput and pickup latency of the configured store.",
        shouldDisplay: false
    )

    @Option(help: "throughput | claim-loop | latency-in-process | latency-cross-process | populate")
    var mode: String

    @Option(help: "Jobs to create.")
    var jobs = 2000

    @Option(help: "Worker processes for throughput.")
    var workers = 1

    @Option(help: "Jobs each worker process runs at once (as MIXDOWN_WORKER_CONCURRENCY does).")
    var concurrency = 1

    func run() async throws {
        let services = try await Services.make(for: .cli)
        switch mode {
        case "populate":
            // Jobs for the status-route benchmark; prints their ids, one a line.
            var ids: [String] = []
            for _ in 0..<jobs { ids.append(try await services.store.submit(Self.noop).id) }
            Console.print(ids.joined(separator: "\n"))
        case "claim-loop":
            // One no-op worker process with `concurrency` slots, each: claim, one progress write,
            // complete, until nothing is left.
            let owner = "bench-\(ProcessInfo.processInfo.processIdentifier)"
            let store = services.store
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<max(concurrency, 1) {
                    group.addTask {
                        while let (_, lease) = try await store.claim(owner: owner, leaseSeconds: 30) {
                            _ = try await store.heartbeat(lease, leaseSeconds: 30, progress: 0.5, stage: "noop", processes: nil)
                            _ = try await store.complete(lease, result: JobResult(outputs: []), assets: [])
                        }
                    }
                }
                try await group.waitForAll()
            }
        case "throughput":
            let submitStart = ContinuousClock.now
            for _ in 0..<jobs { _ = try await services.store.submit(Self.noop) }
            let submitSeconds = Self.seconds(ContinuousClock.now - submitStart)
            let start = ContinuousClock.now
            var children: [Process] = []
            for _ in 0..<workers {
                let child = Process()
                child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
                child.arguments = ["bench-store", "--mode", "claim-loop", "--concurrency", "\(concurrency)"]
                try child.run()
                children.append(child)
            }
            for child in children { child.waitUntilExit() }
            let seconds = Self.seconds(ContinuousClock.now - start)
            let done = try await services.store.list(type: nil, status: .succeeded, limit: 500, cursor: nil)
            // Every job counted, not a sample: a store that loses or repeats work shows here.
            let counts = try await services.store.statusCounts()
            Console.print(
                String(
                    format:
                        "workers=%d concurrency=%d jobs=%d  claim+progress+complete: %.0f jobs/s  (durable submit: %.0f jobs/s)  left queued: %d  succeeded: %d  sample ok: %@",
                    workers,
                    concurrency,
                    jobs,
                    Double(jobs) / seconds,
                    Double(jobs) / submitSeconds,
                    counts[.queued] ?? 0,
                    counts[.succeeded] ?? 0,
                    done.jobs.allSatisfy { $0.attempts == 1 } ? "yes" : "NO"
                )
            )
        case "latency-in-process", "latency-cross-process":
            let inProcess = mode == "latency-in-process"
            var worker: Task<Void, any Error>?
            var child: Process?
            if inProcess {
                worker = Task { try await Worker(services: services).run() }
            } else {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
                process.arguments = ["worker"]
                process.standardError = FileHandle.nullDevice
                try process.run()
                child = process
            }
            defer {
                worker?.cancel()
                child?.terminate()
            }
            // A job a real worker runs in a few milliseconds: a 0.1 s upload converted to WAV.
            let clip = FileManager.default.temporaryDirectory.appendingPathComponent("mixdown-bench-\(UUID().uuidString.prefix(6)).wav").path
            let made = Process()
            made.executableURL = URL(fileURLWithPath: services.tools.ffmpeg)
            made.arguments = ["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=d=0.1", clip]
            try made.run()
            made.waitUntilExit()
            let asset = try await JobSubmitter(services: services).storeUpload(clip, name: "clip.wav").id
            let quick = NewJob(
                type: .save,
                recipe: "version: 1\nkind: edit\ninputs: { v: { upload: true } }\noutputs: { o: { format: wav } }\n",
                recipeName: "quick.yaml",
                parameters: JobParameters(uploads: ["v": asset]),
                maxAttempts: 1,
                timeoutSeconds: 600
            )
            var latencies: [Double] = []
            for _ in 0..<jobs {
                let id = try await services.store.submit(quick).id
                services.wake.ring()
                while true {
                    guard let job = try await services.store.job(id: id) else { break }
                    if job.status.isFinal {
                        if let started = job.startedAt { latencies.append(Double(started - job.createdAt)) }
                        break
                    }
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            latencies.sort()
            func percentile(_ p: Double) -> Double { latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
            Console.print(
                String(
                    format: "%@: submit-to-running p50 %.1f ms, p99 %.1f ms over %d jobs",
                    mode,
                    percentile(0.5),
                    percentile(0.99),
                    latencies.count
                )
            )
        default:
            throw ValidationError("unknown mode \(mode)")
        }
    }

    static let noop = NewJob(type: .save, recipe: "noop", recipeName: "noop", parameters: JobParameters(), maxAttempts: 1, timeoutSeconds: 600)

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
