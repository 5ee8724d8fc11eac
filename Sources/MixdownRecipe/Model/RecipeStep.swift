/// One step of the graph: a typed operation and the streams it reads.
public struct RecipeStep: Sendable, Hashable, Codable {
    /// The author's id, or `step<N>` (1-based position) for an unnamed step.
    public var id: String
    public var operation: Operation
    /// The streams it reads, primary first: `from` (explicit or implied), then references in its arguments.
    public var sources: [String]
    /// What it produces.
    public var output: StreamType
    public var location: SourceLocation
    /// Where each argument was written, for errors found later (planning, expectations).
    public var argumentLocations: [String: SourceLocation]

    public init(
        id: String,
        operation: Operation,
        sources: [String],
        output: StreamType,
        location: SourceLocation,
        argumentLocations: [String: SourceLocation]
    ) {
        self.id = id
        self.operation = operation
        self.sources = sources
        self.output = output
        self.location = location
        self.argumentLocations = argumentLocations
    }

    /// Where a parameter was written, else the step.
    public func location(of parameter: String) -> SourceLocation { argumentLocations[parameter] ?? location }
}
