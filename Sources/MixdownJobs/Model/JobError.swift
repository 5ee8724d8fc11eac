public import MixdownRecipe

/// Why a job failed, the same shape the CLI prints and the HTTP API returns.
public struct JobError: Error, Sendable, Hashable, Codable {
    /// Stable: `invalid-recipe`, `timeout`, `worker-lost`, `ffmpeg-failed`, `expectation-failed`, ...
    public var code: String
    public var message: String
    public var location: SourceLocation?
    /// Every recipe problem, for `invalid-recipe`.
    public var diagnostics: [RecipeDiagnostic]?
    /// For `expectation-failed`: the outputs that were made and rejected, stored as assets to listen to.
    public var rejected: [JobOutput]?

    public init(code: String, message: String, location: SourceLocation? = nil, diagnostics: [RecipeDiagnostic]? = nil) {
        self.code = code
        self.message = message
        self.location = location
        self.diagnostics = diagnostics
    }
}
