/// A file the recipe produces.
public struct RecipeOutput: Sendable, Hashable, Codable {
    public var name: String
    /// The step or input it is taken from.
    public var from: String
    public var format: OutputFormat
    /// Bits per second for lossy formats.
    public var bitrate: Int?
    public var sampleRate: Int?
    public var channels: Int?
    public var expect: Expectation?
    public var location: SourceLocation

    public init(
        name: String,
        from: String,
        format: OutputFormat,
        bitrate: Int? = nil,
        sampleRate: Int? = nil,
        channels: Int? = nil,
        expect: Expectation? = nil,
        location: SourceLocation
    ) {
        self.name = name
        self.from = from
        self.format = format
        self.bitrate = bitrate
        self.sampleRate = sampleRate
        self.channels = channels
        self.expect = expect
        self.location = location
    }

    /// `NAME.EXT`, the file name the output is written as.
    public var fileName: String { "\(name).\(format.fileExtension)" }
}
