internal import Foundation
public import MixdownPlanner
public import MixdownRecipe

/// Loads a recipe file, resolves and probes its inputs and plans it: what `plan`, `run` and the worker share.
public struct RecipePreparation: Sendable {
    public var tools: MediaTools
    public var prober: MediaProber
    public var limits: InputLimits
    public var assets: (any AssetResolver)?
    public var fontFile: String?
    /// The longest output a plan may write, in seconds (``Planner/Options/maximumOutputDuration``); a longer
    /// one fails `plan(_:recipeDirectory:uploads:preview:workDirectory:)` with `too-long`.
    public var maximumOutputDuration: Double = Planner.Options.defaultMaximumOutputDuration
    /// The device a render recipe that names none gets (``Planner/Options/renderDevice``).
    public var renderDevice: RenderDevice = .auto

    public init(
        tools: MediaTools,
        prober: MediaProber,
        limits: InputLimits = InputLimits(),
        assets: (any AssetResolver)? = nil,
        renderDevice: RenderDevice = .auto
    ) {
        self.tools = tools
        self.prober = prober
        self.limits = limits
        self.assets = assets
        self.renderDevice = renderDevice
        fontFile = tools.fontFile
    }

    /// Reads and parses a recipe file; relative `file:` inputs must exist beside it.
    public static func parse(
        file: String,
        overrides: [String: String] = [:],
        uploads: Set<String>? = nil
    ) throws(RecipeError) -> Recipe {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw RecipeError([
                MixdownError(code: .unreadable, message: "cannot read the recipe file", location: SourceLocation(file: file, line: 1, column: 1))
            ])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RecipeError([
                MixdownError(code: .encoding, message: "the recipe is not UTF-8 text", location: SourceLocation(file: file, line: 1, column: 1))
            ])
        }
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        let options = RecipeParser.Options(
            parameterOverrides: overrides,
            providedUploads: uploads,
            fileExists: { path in
                FileManager.default.fileExists(atPath: path.hasPrefix("/") ? path : "\(directory)/\(path)")
            }
        )
        return try RecipeParser(options: options).parse(text, file: file)
    }

    /// Resolves inputs (downloading into `workDirectory` where needed) and plans. `remoteUploads` names the
    /// `uploads` given as presigned URLs (see ``InputResolver/remoteUploads``).
    public func plan(
        _ recipe: Recipe,
        recipeDirectory: String,
        uploads: [String: String],
        remoteUploads: Set<String> = [],
        preview: PreviewWindow?,
        workDirectory: String
    ) async throws -> (plan: Plan, inputs: [PlanInput]) {
        var resolver = InputResolver(
            tools: tools,
            prober: prober,
            limits: limits,
            recipeDirectory: recipeDirectory,
            uploads: uploads,
            assets: assets,
            workDirectory: workDirectory
        )
        resolver.remoteUploads = remoteUploads
        let inputs = try await resolver.resolve(recipe)
        // Only a plan that would use the GPU pays for the probe (one frame, once per process).
        let wantsVideo = recipe.outputs.contains { $0.format == .mp4 } && (recipe.renderDevice ?? renderDevice) != .cpu
        let planner = Planner(
            options: Planner.Options(
                preview: preview,
                recipeDirectory: recipeDirectory,
                fontFile: fontFile,
                maximumOutputDuration: maximumOutputDuration,
                renderDevice: renderDevice,
                nvencWorks: wantsVideo ? await NVENCProbe.works(ffmpeg: tools.ffmpeg) : false
            )
        )
        return (try planner.plan(recipe, inputs: inputs), inputs)
    }
}
