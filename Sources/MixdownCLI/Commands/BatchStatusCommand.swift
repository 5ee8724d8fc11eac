import ArgumentParser
internal import Foundation
import MixdownJobs
import MixdownRecipe
import MixdownStorage

/// `mixdown batch status ID`: a submitted batch's totals from the store; with `--wait`, followed until
/// every job ended; `--report` and `--out` write what the local form writes, from the store.
struct BatchStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a submitted batch's totals; --wait follows it to the end; --report/--out write its report and outputs."
    )

    @Argument(help: "The batch id (bat_...).")
    var id: String

    @Flag(help: "Wait until every job of the batch ended; exit non-zero if any failed or was cancelled.")
    var wait = false

    @Flag(help: "Print {id, total, queued, running, succeeded, failed, cancelled, ...} as JSON.")
    var json = false

    @Option(help: "Write a report of the batch's jobs: FILE.json or FILE.xml (JUnit), as `mixdown batch` does.")
    var report: String?

    @Option(help: "Copy every finished job's outputs to DIR/<run name>/.")
    var out: String?

    func validate() throws {
        if let report, !(report.hasSuffix(".json") || report.hasSuffix(".xml")) {
            throw ValidationError("--report must end in .json or .xml")
        }
    }

    func run() async throws {
        let services = try await Services.make(for: .cli)
        guard Identifier.isValid(id, prefix: "bat_"), var batch = try await services.store.batch(id: id) else {
            Console.error("no batch \(id)")
            throw ExitStatus.notFound
        }
        if wait {
            let progress = BatchProgress(total: batch.total, draws: !json && Console.isTerminal)
            var counter = try await services.store.changeCounter()
            while !batch.isFinished {
                progress.set(done: batch.succeeded + batch.failed + batch.cancelled, failed: batch.failed + batch.cancelled, running: batch.running)
                // Re-read when the store changed, or at least once a second.
                counter = await services.store.waitForChange(since: counter, upTo: 1)
                try Task.checkCancellation()
                guard let next = try await services.store.batch(id: id) else { throw ExitStatus.notFound }
                batch = next
            }
            progress.finish()
        }
        if report != nil || out != nil {
            let jobs = try await Self.jobs(of: id, store: services.store)
            if let out { try await Self.copyOutputs(jobs, to: out, storage: services.storage) }
            if let report { try Self.report(jobs).write(to: report) }
        }
        if json {
            Console.json(BatchView(batch))
        } else {
            Console.print(Self.summary(batch))
        }
        if wait && batch.failed + batch.cancelled > 0 { throw ExitStatus.runFailed }
    }

    static func summary(_ batch: Batch) -> String {
        "\(batch.id)  \(batch.total) jobs: \(batch.succeeded) succeeded, \(batch.failed) failed, \(batch.cancelled) cancelled, "
            + "\(batch.running) running, \(batch.queued) queued\(batch.isFinished ? "" : " (not finished)")"
    }

    /// Every job of the batch, oldest first.
    static func jobs(of batch: String, store: any JobStore) async throws -> [Job] {
        var jobs: [Job] = []
        var cursor: String?
        repeat {
            let page = try await store.list(type: nil, status: nil, batch: batch, limit: 500, cursor: cursor)
            jobs += page.jobs
            cursor = page.nextCursor
        } while cursor != nil && jobs.count <= Batch.maximumJobs
        return jobs.reversed()
    }

    /// The report `mixdown batch --report` writes, one entry per job: succeeded is passed, an unfinished
    /// job is reported failed with its status, so a report never calls a batch done that is not.
    static func report(_ jobs: [Job]) -> BatchReport {
        BatchReport(
            entries: jobs.map { job in
                let seconds = job.startedAt.flatMap { start in job.finishedAt.map { Double($0 - start) / 1000 } } ?? 0
                let error: String? =
                    switch job.status {
                    case .succeeded: nil
                    case .failed, .cancelled: job.error.map { "\($0.code.rawValue): \($0.message)" } ?? job.status.rawValue
                    case .queued, .running: "not finished: \(job.status.rawValue)"
                    }
                return BatchReport.Entry(
                    file: job.recipeName,
                    name: job.batchItem ?? job.id,
                    status: job.status == .succeeded ? .passed : .failed,
                    seconds: max(seconds, 0),
                    outputs: job.result?.outputs.map(\.fileName) ?? [],
                    error: error
                )
            }
        )
    }

    /// Copies each succeeded job's outputs into `DIR/<run name>/`, each through a temporary file and a
    /// rename, so a half-copied output never sits under its own name.
    static func copyOutputs(_ jobs: [Job], to directory: String, storage: any StorageAdapter) async throws {
        let fileManager = FileManager.default
        // Names are distinct when submitted; a store written otherwise still never has two jobs share a folder.
        let items = BatchRun.itemNames(jobs.map { $0.batchItem ?? $0.id })
        for (job, item) in zip(jobs, items) where job.status == .succeeded {
            let folder = "\(directory)/\(item)"
            try fileManager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let scratch = "\(folder)/.mixdown-download"
            try fileManager.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            defer { try? fileManager.removeItem(atPath: scratch) }
            for output in job.result?.outputs ?? [] {
                let source = try await storage.localPath(for: output.key, downloadingInto: scratch)
                let name = JobSubmitter.safeFileName(output.fileName)
                let temporary = "\(folder)/.\(name).part"
                try? fileManager.removeItem(atPath: temporary)
                try fileManager.copyItem(atPath: source, toPath: temporary)
                guard rename(temporary, "\(folder)/\(name)") == 0 else {
                    throw ValidationError("cannot write \(folder)/\(name): \(String(cString: strerror(errno)))")
                }
            }
        }
    }
}

/// `mixdown batch cancel ID`: cancels every job of the batch that has not ended.
struct BatchCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel every job of a submitted batch that has not ended: queued ones at once, running ones within a second."
    )

    @Argument(help: "The batch id (bat_...).")
    var id: String

    @Flag(help: "Print the batch as JSON.")
    var json = false

    func run() async throws {
        let services = try await Services.make(for: .cli)
        guard Identifier.isValid(id, prefix: "bat_"), let batch = try await services.store.cancelBatch(id: id) else {
            Console.error("no batch \(id)")
            throw ExitStatus.notFound
        }
        if json { Console.json(BatchView(batch)) } else { Console.print(BatchStatusCommand.summary(batch)) }
    }
}

extension JobOutput {
    /// The output's file name in storage (`clip.wav`), as a local run names it.
    var fileName: String { String(key.rawValue.split(separator: "/").last ?? Substring(name)) }
}
