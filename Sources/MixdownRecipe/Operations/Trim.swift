/// `trim`: keeps a section of the stream.
public struct Trim: Sendable, Hashable, Codable {
    /// Seconds from the start.
    public var start: Double
    /// Seconds from the start; negative counts back from the end.
    public var end: Double?
    /// Seconds kept; the parser allows `end` or `duration`, not both.
    public var duration: Double?

    public init(start: Double, end: Double?, duration: Double?) {
        (self.start, self.end, self.duration) = (start, end, duration)
    }

    public init(_ arguments: OperationArguments) {
        self.init(start: arguments.number("start"), end: arguments.optionalNumber("end"), duration: arguments.optionalNumber("duration"))
    }
}
