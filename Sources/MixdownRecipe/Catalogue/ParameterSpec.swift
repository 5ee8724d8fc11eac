/// One parameter of an operation, as the parser, the schema, `mixdown ops` and the docs all see it.
public struct ParameterSpec: Sendable, Hashable {
    public var name: String
    public var type: ParameterType
    public var isRequired: Bool
    /// The value used when the parameter is left out, as written in a recipe.
    public var defaultValue: String?
    public var summary: String

    public init(_ name: String, _ type: ParameterType, required: Bool = false, default defaultValue: String? = nil, _ summary: String) {
        self.name = name
        self.type = type
        self.isRequired = required
        self.defaultValue = defaultValue
        self.summary = summary
    }
}
