/// One step of the graph: an operation, its typed arguments and the streams it reads.
public struct RecipeStep: Sendable, Hashable, Codable {
    /// The author's id, or `step<N>` (1-based position) for an unnamed step.
    public var id: String
    public var operation: String
    public var arguments: [String: ArgumentValue]
    /// The streams it reads, primary first: `from` (explicit or implied), then references in its arguments.
    public var sources: [String]
    /// What it produces.
    public var output: StreamType
    public var location: SourceLocation
    /// Where each argument was written, for errors found later (planning, expectations).
    public var argumentLocations: [String: SourceLocation]

    public init(
        id: String,
        operation: String,
        arguments: [String: ArgumentValue],
        sources: [String],
        output: StreamType,
        location: SourceLocation,
        argumentLocations: [String: SourceLocation]
    ) {
        self.id = id
        self.operation = operation
        self.arguments = arguments
        self.sources = sources
        self.output = output
        self.location = location
        self.argumentLocations = argumentLocations
    }

    public func number(_ name: String) -> Double? { arguments[name]?.number }
    public func string(_ name: String) -> String? { arguments[name]?.string }

    public func bool(_ name: String) -> Bool? {
        if case .bool(let value) = arguments[name] { return value }
        return nil
    }
}
