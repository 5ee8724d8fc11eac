/// A named source of a recipe.
public struct RecipeInput: Sendable, Hashable, Codable {
    public var name: String
    public var source: InputSource
    public var type: StreamType
    public var location: SourceLocation

    public init(name: String, source: InputSource, type: StreamType, location: SourceLocation) {
        self.name = name
        self.source = source
        self.type = type
        self.location = location
    }
}
