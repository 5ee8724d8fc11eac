public import MixdownRecipe

/// A recipe compiled into as few ffmpeg processes as the graph allows.
public struct Plan: Sendable, Hashable, Codable {
    public var recipe: String
    public var kind: JobKind
    public var preview: PreviewWindow?
    /// In run order; a stage that pipes into another runs together with it.
    public var stages: [Stage]
    public var outputs: [PlannedOutput]
    /// Work files stages hand to one another (measured intermediates, sources of analyze and peaks).
    public var workFiles: [String]
    /// How mp4 outputs encode their video, and why; nil without one.
    public var video: VideoEncoding?

    public init(recipe: String, kind: JobKind, preview: PreviewWindow?, stages: [Stage], outputs: [PlannedOutput], workFiles: [String]) {
        self.recipe = recipe
        self.kind = kind
        self.preview = preview
        self.stages = stages
        self.outputs = outputs
        self.workFiles = workFiles
    }

    /// How many processes the plan starts.
    public var processCount: Int { stages.count }
}
