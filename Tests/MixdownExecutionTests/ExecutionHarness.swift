import Foundation
import MixdownExecution
import MixdownPlanner
import MixdownRecipe
import MixdownTestSupport

/// Writes a recipe into a fresh folder (beside symlinks to the test media) and runs it for real.
struct ExecutionHarness {
    let directory: URL
    var tools = MediaTools.fromEnvironment()
    var limits = InputLimits(allowPrivateAddresses: true)
    var discardsMeasurements = false

    init() throws {
        directory = try TestMedia.temporaryDirectory("exec")
        for name in ["voice.wav", "intro.wav", "outro.wav", "bed.wav", "cover.png", "episode.srt"] {
            try FileManager.default.createSymbolicLink(
                at: directory.appendingPathComponent(name),
                withDestinationURL: try TestMedia.directory().appendingPathComponent(name)
            )
        }
    }

    var out: String { directory.appendingPathComponent("out").path }

    func write(_ text: String, name: String = "recipe.yaml") throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func run(
        _ text: String,
        uploads: [String: String] = [:],
        preview: PreviewWindow? = nil,
        onEvent: @escaping @Sendable (ExecutionEvent) -> Void = { _ in }
    ) async throws -> [String: OutputArtifact] {
        let file = try write(text)
        let recipe = try RecipePreparation.parse(file: file, uploads: Set(uploads.keys))
        let preparation = RecipePreparation(tools: tools, prober: MediaProber(tools: tools), limits: limits)
        let work = directory.appendingPathComponent("work-\(UUID().uuidString.prefix(6))").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let (plan, _) = try await preparation.plan(recipe, recipeDirectory: directory.path, uploads: uploads, preview: preview, workDirectory: work)
        var executor = PlanExecutor(tools: tools, prober: preparation.prober)
        executor.discardsMeasurements = discardsMeasurements
        let outputs = try await executor.run(plan, outputDirectory: out, onEvent: onEvent)
        return Dictionary(uniqueKeysWithValues: outputs.map { ($0.name, $0) })
    }

    /// Files left in the output folder, hidden ones included.
    func leftovers() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).sorted()
    }
}
