internal import Foundation
import MixdownExecution
import MixdownPlanner
import MixdownRecipe

/// Parse, resolve, plan and execute one recipe file: what `run` does once and `batch` does per file.
struct RecipeRun: Sendable {
    var file: String
    var overrides: [String: String]
    var uploads: [String: String]
    var preview: PreviewWindow?
    var outputDirectory: String
    var discardsMeasurements = false
    var preparation: RecipePreparation

    func execute(onEvent: @escaping @Sendable (ExecutionEvent) -> Void) async throws -> [OutputArtifact] {
        let recipe = try RecipePreparation.parse(file: file, overrides: overrides, uploads: Set(uploads.keys))
        try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        let work = "\(outputDirectory)/.mixdown-inputs-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let (plan, _) = try await preparation.plan(
            recipe,
            recipeDirectory: URL(fileURLWithPath: file).deletingLastPathComponent().path,
            uploads: uploads,
            preview: preview,
            workDirectory: work
        )
        var executor = PlanExecutor(tools: preparation.tools, prober: preparation.prober)
        executor.discardsMeasurements = discardsMeasurements
        return try await executor.run(plan, outputDirectory: outputDirectory, onEvent: onEvent)
    }
}
