internal import Foundation
import ArgumentParser
import MixdownExecution
import MixdownPlanner
import MixdownRecipe

/// `mixdown plan FILE`: the ffmpeg processes a run would start, as JSON or a shell script.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show the ffmpeg commands a run would execute (a shell script, or JSON with --json)."
    )

    @Argument(help: "The recipe file.")
    var file: String

    @OptionGroup var recipe: RecipeArguments

    @Option(help: ArgumentHelp("Plan a preview of a window.", valueName: "start,duration"))
    var preview: String?

    @Flag(help: "Print the plan as JSON.")
    var json = false

    func run() async throws {
        let uploads = try recipe.uploads()
        let window = try preview.map { text in
            guard let window = PreviewWindow(argument: text) else { throw ValidationError("--preview takes START,DURATION, e.g. 90,10") }
            return window
        }
        let overrides = try recipe.overrides()
        let parsed: Recipe
        do {
            parsed = try RecipePreparation.parse(file: file, overrides: overrides, uploads: Set(uploads.keys))
        } catch {
            Console.report(error)
            throw ExitStatus.invalidRecipe
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("mixdown-plan-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let tools = MediaTools.fromEnvironment()
        let preparation = RecipePreparation(tools: tools, prober: MediaProber(tools: tools), limits: Settings.inputLimits())
        do {
            let (plan, inputs) = try await preparation.plan(
                parsed,
                recipeDirectory: URL(fileURLWithPath: file).deletingLastPathComponent().path,
                uploads: uploads,
                preview: window,
                workDirectory: work
            )
            if json {
                Console.json(plan)
            } else {
                Console.print(ShellScript.render(plan, downloads: downloadCommands(parsed, inputs: inputs, limits: preparation.limits)))
            }
        } catch let error as RecipeError {
            Console.report(error)
            throw ExitStatus.invalidRecipe
        } catch let error as ExecutionError {
            Console.error(error.description)
            throw ExitStatus.runFailed
        }
    }

    /// Shell lines that fetch `url` and `youtube` inputs to where the plan reads them.
    private func downloadCommands(_ recipe: Recipe, inputs: [PlanInput], limits: InputLimits) -> [String: String] {
        var commands: [String: String] = [:]
        for input in recipe.inputs {
            guard let path = inputs.first(where: { $0.name == input.name })?.path else { continue }
            switch input.source {
            case .url(let url):
                commands[input.name] = "curl -fsSL --max-filesize \(limits.maximumBytes) -o '\(path)' '\(url.replacingOccurrences(of: "'", with: "'\\''"))'"
            case .youtube(let url):
                commands[input.name] =
                    "mkdir -p '\((path as NSString).deletingLastPathComponent)' && yt-dlp --no-playlist -f bestaudio/best --max-filesize \(limits.maximumBytes) -o '\(path)' -- '\(url.replacingOccurrences(of: "'", with: "'\\''"))'"
            default: break
            }
        }
        return commands
    }
}
