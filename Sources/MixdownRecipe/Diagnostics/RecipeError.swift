/// Thrown when a recipe is invalid; carries every problem found, not just the first.
public struct RecipeError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [RecipeDiagnostic]

    public init(_ diagnostics: [RecipeDiagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
