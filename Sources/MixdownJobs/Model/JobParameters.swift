public import MixdownPlanner

/// What a submission adds to the recipe document.
public struct JobParameters: Sendable, Hashable, Codable {
    /// `--set` values.
    public var overrides: [String: String]
    /// Upload inputs, by input name: the asset holding each uploaded file.
    public var uploads: [String: String]
    public var preview: PreviewWindow?
    /// A URL told about the job's end (HTTP API).
    public var notifyUrl: String?
    /// The folder of a recipe submitted from a local file, for paths such as `captions.srt`; nil over the network.
    public var recipeDirectory: String?

    public init(
        overrides: [String: String] = [:],
        uploads: [String: String] = [:],
        preview: PreviewWindow? = nil,
        notifyUrl: String? = nil,
        recipeDirectory: String? = nil
    ) {
        self.overrides = overrides
        self.uploads = uploads
        self.preview = preview
        self.notifyUrl = notifyUrl
        self.recipeDirectory = recipeDirectory
    }
}
