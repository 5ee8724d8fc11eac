/// `fade`: fades in from silence and/or out to silence.
public struct Fade: Sendable, Hashable, Codable {
    /// Seconds of fade-in (recipe `in`); nil or 0 is none.
    public var fadeIn: Double?
    /// Seconds of fade-out at the end (recipe `out`); nil or 0 is none.
    public var fadeOut: Double?

    public init(fadeIn: Double?, fadeOut: Double?) {
        (self.fadeIn, self.fadeOut) = (fadeIn, fadeOut)
    }

    public init(_ arguments: OperationArguments) {
        self.init(fadeIn: arguments.optionalNumber("in"), fadeOut: arguments.optionalNumber("out"))
    }
}
