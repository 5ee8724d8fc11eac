import MixdownRecipe

/// A short section rendered fast for listening: every input is seeked, not decoded from the start.
public struct PreviewWindow: Sendable, Hashable, Codable {
    public var start: Double
    public var duration: Double

    public init(start: Double, duration: Double) {
        self.start = start
        self.duration = duration
    }

    /// Parses `START,DURATION` in the recipe language's duration units, e.g. `90,10` or `1m30s,10s`.
    public init?(argument: String) {
        let parts = argument.split(separator: ",")
        guard parts.count == 2 else { return nil }
        let startText = String(parts[0]), durationText = String(parts[1])
        guard let start = UnitParser.duration(startText), start >= 0,
            let duration = UnitParser.duration(durationText), duration > 0, duration <= 600
        else { return nil }
        self.init(start: start, duration: duration)
    }
}
