public import MixdownRecipe

/// An output as the plan will write it.
public struct PlannedOutput: Sendable, Hashable, Codable {
    public var name: String
    public var fileName: String
    public var format: OutputFormat
    public var contentType: String
    /// Expected seconds, when the graph lets the planner know.
    public var expectedDuration: Double?
    public var expect: Expectation?
    /// Where the output was declared, for expectation failures.
    public var location: SourceLocation

    public init(
        name: String,
        fileName: String,
        format: OutputFormat,
        contentType: String,
        expectedDuration: Double?,
        expect: Expectation?,
        location: SourceLocation
    ) {
        self.name = name
        self.fileName = fileName
        self.format = format
        self.contentType = contentType
        self.expectedDuration = expectedDuration
        self.expect = expect
        self.location = location
    }
}
