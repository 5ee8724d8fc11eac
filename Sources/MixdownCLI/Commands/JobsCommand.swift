import ArgumentParser
internal import Foundation
import MixdownJobs

/// `mixdown jobs list|show|cancel|retry`: the job store from the command line.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "List, inspect, cancel and retry jobs in the store.",
        subcommands: [List.self, Show.self, Cancel.self, Retry.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List jobs, newest first.")

        @Option(help: "ingest, preview, save or render.")
        var type: String?
        @Option(help: "queued, running, succeeded, failed or cancelled.")
        var status: String?
        @Option(help: "Only the jobs of this batch (bat_..., from `mixdown batch --submit`).")
        var batch: String?
        @Option(help: "At most this many.")
        var limit = 50
        @Option(help: "Continue after this job id (from a previous page).")
        var cursor: String?
        @Flag(help: "Print JSON.")
        var json = false

        struct Page: Encodable {
            var jobs: [JobView]
            var nextCursor: String?
        }

        func run() async throws {
            let type = try self.type.map { text in
                guard let type = JobType(rawValue: text) else {
                    throw ValidationError("--type is one of \(JobType.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return type
            }
            let status = try self.status.map { text in
                guard let status = JobStatus(rawValue: text) else {
                    throw ValidationError("--status is one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return status
            }
            let services = try await Services.make(for: .cli)
            let page = try await services.store.list(type: type, status: status, batch: batch, limit: limit, cursor: cursor)
            if json {
                Console.json(Page(jobs: page.jobs.map(JobView.init), nextCursor: page.nextCursor))
                return
            }
            for job in page.jobs {
                let progress = String(format: "%3d%%", Int(job.progress.isFinite ? min(max(job.progress, 0), 1) * 100 : 0))
                let name = job.batchItem.map { "\(job.recipeName) [\($0)]" } ?? job.recipeName
                Console.print("\(job.id)  \(job.type.rawValue.padded(7))  \(job.status.rawValue.padded(9))  \(progress)  \(name)")
            }
            if let next = page.nextCursor { Console.print("more: --cursor \(next)") }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one job with its outputs.")

        @Argument var id: String
        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let services = try await Services.make(for: .cli)
            guard let job = try await services.store.job(id: id) else {
                Console.error("no job \(id)")
                throw ExitStatus.notFound
            }
            if json { Console.json(JobView(job)) } else { Self.printHuman(job) }
        }

        static func printHuman(_ job: Job) {
            Console.print(
                "\(job.id)  \(job.type.rawValue)  \(job.status.rawValue)  \(Int(job.progress.isFinite ? min(max(job.progress, 0), 1) * 100 : 0))%  attempt \(job.attempts)/\(job.maxAttempts)"
            )
            if let error = job.error { Console.print("error: \(error.code): \(error.message)") }
            for output in job.result?.outputs ?? [] {
                let seconds = output.durationSeconds.map { String(format: "%.2f s", $0) } ?? "-"
                Console.print("  \(output.name): \(output.key)  \(output.contentType)  \(output.bytes) bytes  \(seconds)  \(output.assetId)")
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a job: a queued one at once, a running one within a second.")

        @Argument var id: String
        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let services = try await Services.make(for: .cli)
            guard let job = try await services.store.cancel(id: id) else {
                Console.error("no job \(id)")
                throw ExitStatus.notFound
            }
            if json {
                Console.json(JobView(job))
            } else {
                Console.print("\(job.id)  \(job.status.rawValue)\(job.cancelRequested && job.status == .running ? " (cancel requested)" : "")")
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue a failed or cancelled job again.")

        @Argument var id: String
        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let services = try await Services.make(for: .cli)
            do {
                guard let job = try await services.store.retry(id: id) else {
                    Console.error("no job \(id)")
                    throw ExitStatus.notFound
                }
                if json { Console.json(JobView(job)) } else { Console.print("\(job.id)  \(job.status.rawValue)") }
            } catch let error as JobStoreError {
                Console.error(error.description)
                throw ExitStatus.runFailed
            }
        }
    }
}
