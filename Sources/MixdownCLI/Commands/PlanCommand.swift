import ArgumentParser
internal import Foundation
import MixdownExecution
import MixdownJobs
import MixdownPlanner
import MixdownRecipe

/// `mixdown plan FILE...`: the ffmpeg processes a run would start, as a shell script or JSON.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show the ffmpeg commands a run would execute (a shell script, or JSON with --json)."
    )

    @Argument(help: "Recipe files; several are planned in one process, probing each shared input once.")
    var files: [String]

    @OptionGroup var recipe: RecipeArguments

    @Option(help: ArgumentHelp("Plan a preview of a window.", valueName: "start,duration"))
    var preview: String?

    @Flag(help: "Print the plan as JSON (an array when several files are given).")
    var json = false

    func run() async throws {
        let window = try PreviewOption.parse(preview)
        let overrides = try recipe.overrides(), uploads = try recipe.uploads()
        let configuration = try await Services.configuration(for: .cli)
        let tools = configuration.tools
        let preparation = RecipePreparation(
            tools: tools,
            prober: MediaProber(tools: tools),
            limits: configuration.limits,
            renderDevice: configuration.renderDevice
        )
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("mixdown-plan-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }

        var plans: [Plan] = []
        var failed = false
        for file in files {
            do {
                let parsed = try RecipePreparation.parse(file: file, overrides: overrides, uploads: Set(uploads.keys))
                let (plan, inputs) = try await preparation.plan(
                    parsed,
                    recipeDirectory: URL(fileURLWithPath: file).deletingLastPathComponent().path,
                    uploads: uploads,
                    preview: window,
                    workDirectory: work
                )
                plans.append(plan)
                if !json { Console.print(ShellScript.render(plan, downloads: downloadCommands(parsed, inputs: inputs, limits: preparation.limits))) }
            } catch let error as RecipeError {
                Console.report(error)
                failed = true
            } catch let error as MixdownError {
                Console.error(error.description)
                failed = true
            }
        }
        if json {
            if plans.count == 1 && files.count == 1 { Console.json(plans[0]) } else { Console.json(plans) }
        }
        if failed { throw ExitStatus.invalidRecipe }
    }

    /// Shell lines that fetch `url` and `youtube` inputs to where the plan reads them.
    private func downloadCommands(_ recipe: Recipe, inputs: [PlanInput], limits: InputLimits) -> [String: String] {
        func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        var commands: [String: String] = [:]
        for input in recipe.inputs {
            guard let path = inputs.first(where: { $0.name == input.name })?.path else { continue }
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            switch input.source {
            case .url(let url):
                commands[input.name] =
                    "mkdir -p \(quoted(directory)) && curl -fsSL --max-filesize \(limits.maximumBytes) -o \(quoted(path)) \(quoted(url))"
            case .youtube(let url):
                commands[input.name] =
                    "mkdir -p \(quoted(directory)) && yt-dlp --no-playlist -f bestaudio/best --max-filesize \(limits.maximumBytes) -o \(quoted(path)) -- \(quoted(url))"
            default: break
            }
        }
        return commands
    }
}
