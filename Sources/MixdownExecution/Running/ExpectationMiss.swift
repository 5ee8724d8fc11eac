public import MixdownRecipe

/// A run whose outputs missed their `expect`: the `expectation-failed` error, and every output of the run
/// published under its rejected name (`NAME.rejected.EXT`) for the author to listen to.
public struct ExpectationMiss: Error, Sendable, CustomStringConvertible {
    public var error: MixdownError
    public var rejected: [OutputArtifact]

    public init(error: MixdownError, rejected: [OutputArtifact]) {
        self.error = error
        self.rejected = rejected
    }

    public var description: String { error.description }
}
