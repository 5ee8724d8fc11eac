import MixdownRecipe

/// A short section rendered fast for listening: every input is seeked, not decoded from the start.
public struct PreviewWindow: Sendable, Hashable, Codable {
    /// The latest start a preview may have, in seconds (a week, the longest duration a recipe can write).
    public static let maximumStart: Double = 7 * 86_400
    /// The longest preview, in seconds.
    public static let maximumDuration: Double = 600

    /// The shortest preview, in seconds (1 ms).
    public static let shortestDuration: Double = 0.001

    public var start: Double
    public var duration: Double

    public init(start: Double, duration: Double) {
        self.start = start
        self.duration = duration
    }

    /// Parses `START,DURATION` in the recipe language's duration units, e.g. `90,10` or `1m30s,10s`.
    public init?(argument: String) {
        let parts = argument.split(separator: ",")
        guard parts.count == 2, let start = UnitParser.duration(String(parts[0])), let duration = UnitParser.duration(String(parts[1])),
            Self.problem(start: start, duration: duration) == nil
        else { return nil }
        self.init(start: start, duration: duration)
    }

    /// Refuses windows the planner could not honour (non-finite, negative or huge numbers), with the reason.
    /// Also takes the query's `"START,DURATION"` text, so a client may write either form.
    public init(from decoder: any Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            guard let window = PreviewWindow(argument: text) else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: decoder.codingPath,
                        debugDescription:
                            "preview: \"START,DURATION\" in durations (e.g. \"5,10\" or \"1m30s,10s\"), or {\"start\": 5, \"duration\": 10} in seconds"
                    )
                )
            }
            self = window
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let start = try container.decode(Double.self, forKey: .start)
        let duration = try container.decode(Double.self, forKey: .duration)
        if let problem = Self.problem(start: start, duration: duration) {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "preview: \(problem)"))
        }
        self.init(start: start, duration: duration)
    }

    /// Why a window is unusable, or nil when it is fine.
    public var problem: String? { Self.problem(start: start, duration: duration) }

    static func problem(start: Double, duration: Double) -> String? {
        guard start.isFinite, start >= 0, start <= maximumStart else {
            return "the start must be a number of seconds from 0 to \(Int(maximumStart))"
        }
        // ffmpeg's -t reads what prints as 0 literally (an empty file that "succeeds"): at least a millisecond.
        guard duration.isFinite, duration >= shortestDuration, duration <= maximumDuration else {
            return "the duration must be at least 1ms and at most \(Int(maximumDuration)) seconds"
        }
        return nil
    }
}
