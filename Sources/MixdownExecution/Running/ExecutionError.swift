public import MixdownRecipe

/// A failure while running a plan, with a stable code and, where one applies, the recipe line to blame.
public struct ExecutionError: Error, Sendable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var location: SourceLocation?
    /// For `expectation-failed`: every output of the run, kept under its rejected name to listen to.
    public var rejected: [OutputArtifact] = []

    public init(code: String, message: String, location: SourceLocation? = nil) {
        self.code = code
        self.message = message
        self.location = location
    }

    public var description: String {
        (location.map { "\($0): " } ?? "") + "error: " + message
    }
}
