/// Thrown when a recipe is invalid; carries every problem found, not just the first.
public struct RecipeError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [MixdownError]

    public init(_ diagnostics: [MixdownError]) {
        self.diagnostics = diagnostics
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }

    /// The problems as one `invalid-recipe` error, located at the first, listing all: what the API answers
    /// and what a failed job records.
    public var error: MixdownError {
        MixdownError(.invalidRecipe, description, location: diagnostics.first?.location, diagnostics: diagnostics)
    }
}
