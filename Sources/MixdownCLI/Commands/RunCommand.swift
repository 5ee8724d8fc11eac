import ArgumentParser
internal import Foundation
import MixdownExecution
import MixdownJobs
import MixdownPlanner
import MixdownRecipe

/// `mixdown run FILE --out DIR`: execute a recipe, writing DIR/<output>.<ext>.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a recipe and write its outputs."
    )

    @Argument(help: "The recipe file.")
    var file: String

    @OptionGroup var recipe: RecipeArguments

    @Option(help: "Folder the outputs are written to.")
    var out: String

    @Option(help: ArgumentHelp("Render only a short low-bitrate window, seeking each input.", valueName: "start,duration"))
    var preview: String?

    @Flag(help: "Print JSON-lines events and the outputs as JSON.")
    var json = false

    /// Benchmarks/meter.sh's baseline: the same plan with its meters' audio thrown away.
    @Flag(help: .hidden)
    var discardMeasurements = false

    struct Summary: Encodable {
        var event = "finished"
        var outputs: [OutputArtifact]
    }

    /// `{"event": "failed", ...the error's members, "rejected": [...]}`: the error as a job records it.
    struct Failure: Encodable {
        var error: MixdownError
        /// Outputs kept under rejected names when an expectation failed.
        var rejected: [OutputArtifact]?

        private enum CodingKeys: String, CodingKey { case event, rejected }

        func encode(to encoder: any Encoder) throws {
            try error.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode("failed", forKey: .event)
            try container.encodeIfPresent(rejected, forKey: .rejected)
        }
    }

    func run() async throws {
        let window = try PreviewOption.parse(preview)
        if discardMeasurements {
            Console.error("warning: --discard-measurements: nothing is measured, gains are 0 dB and loudness expectations are not checked")
        }
        let configuration = try await Services.configuration(for: .cli)
        let tools = configuration.tools
        let run = RecipeRun(
            file: file,
            overrides: try recipe.overrides(),
            uploads: try recipe.uploads(),
            preview: window,
            outputDirectory: out,
            discardsMeasurements: discardMeasurements,
            preparation: RecipePreparation(
                tools: tools,
                prober: MediaProber(tools: tools),
                limits: configuration.limits,
                renderDevice: configuration.renderDevice
            )
        )
        let json = self.json
        let bar = !json && Console.isTerminal ? ProgressBar(label: URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent) : nil
        do {
            let outputs = try await Interrupts.cancelling {
                try await run.execute { event in
                    if json { Console.json(event, pretty: false) } else { bar?.update(event) }
                }
            }
            bar?.finish()
            if json {
                Console.json(Summary(outputs: outputs), pretty: false)
            } else {
                for output in outputs {
                    let seconds = output.durationSeconds.map { String(format: "%.2f s", $0) } ?? "-"
                    Console.print("\(output.path)  \(output.contentType)  \(output.bytes) bytes  \(seconds)")
                }
            }
        } catch let error as RecipeError {
            bar?.finish()
            if json { Console.json(Failure(error: error.error), pretty: false) }
            Console.report(error)
            throw ExitStatus.invalidRecipe
        } catch let miss as ExpectationMiss {
            bar?.finish()
            if json { Console.json(Failure(error: miss.error, rejected: miss.rejected), pretty: false) }
            Console.error(miss.error.description)
            for output in miss.rejected { Console.error("rejected output kept to listen to: \(output.path)") }
            throw ExitStatus.runFailed
        } catch let error as MixdownError {
            bar?.finish()
            if json { Console.json(Failure(error: error), pretty: false) }
            Console.error(error.description)
            throw ExitStatus.runFailed
        } catch is CancellationError {
            bar?.finish()
            Console.error("cancelled")
            throw ExitStatus.interrupted
        }
    }
}
