import ArgumentParser
internal import Foundation
import MixdownExecution
import MixdownJobs
import MixdownPlanner
import MixdownRecipe

/// `mixdown submit FILE`: create a job in the store (type from the recipe's kind), optionally following it.
struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Create a job from a recipe; a worker (mixdown worker) runs it."
    )

    @Argument(help: "The recipe file.")
    var file: String

    @OptionGroup var recipe: RecipeArguments

    @Option(help: ArgumentHelp("Make an edit a preview job of this window.", valueName: "start,duration"))
    var preview: String?

    @Option(help: "Submitting again with the same key and the same recipe returns the same job.")
    var idempotencyKey: String?

    @Flag(help: "Follow the job until it ends, with a progress bar.")
    var wait = false

    @Flag(help: "Print the job record as JSON.")
    var json = false

    func run() async throws {
        let window = try PreviewOption.parse(preview)
        let services = try await Services.make(for: .cli)
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("cannot read \(file)")
        }
        let job: Job
        do {
            job = try await JobSubmitter(services: services).submit(
                recipe: text,
                recipeName: file,
                overrides: try recipe.overrides(),
                files: try recipe.uploads(),
                recipeDirectory: URL(fileURLWithPath: file).deletingLastPathComponent().path,
                preview: window,
                idempotencyKey: idempotencyKey
            )
        } catch let error as RecipeError {
            Console.report(error)
            throw ExitStatus.invalidRecipe
        }
        if !wait {
            if json { Console.json(JobView(job)) } else { Console.print(job.id) }
            return
        }
        if !json { Console.error("\(job.id) queued (\(job.type.rawValue)); waiting for a worker") }
        let final = try await JobFollower(services: services).follow(job.id, json: json)
        if json { Console.json(JobView(final)) } else { JobsCommand.Show.printHuman(final) }
        if final.status != .succeeded { throw ExitStatus.runFailed }
    }
}

/// Follows a job in the store until it ends, drawing progress.
struct JobFollower {
    let services: MixdownServices

    func follow(_ id: String, json: Bool) async throws -> Job {
        let bar = !json && Console.isTerminal ? ProgressBar(label: id) : nil
        var counter = try await services.store.changeCounter()
        while true {
            guard let job = try await services.store.job(id: id) else { throw ExitStatus.notFound }
            if job.status.isFinal {
                bar?.finish()
                return job
            }
            bar?.update(.init(kind: .progress, stage: job.stage ?? job.status.rawValue, stageProgress: job.progress, progress: job.progress))
            // Re-read when the store changed, or at least once a second.
            counter = await services.store.waitForChange(since: counter, upTo: 1)
            try Task.checkCancellation()
        }
    }
}
