/// One process of a plan.
public struct Stage: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// ffmpeg running a filter graph.
        case ffmpeg
        /// Loudness and peak report of a work file, as JSON (`analyze`).
        case analyze
        /// Waveform peaks of a work file, as JSON (`peaks`).
        case peaks
    }

    public var id: String
    public var kind: Kind
    /// ffmpeg's arguments, without the program. Paths are `{{output:NAME}}` and `{{work:FILE}}` tokens,
    /// replaced at run time so outputs can be written to temporary names and renamed.
    public var arguments: [String]
    /// This stage's standard output feeds the standard input of the named stage; both run at once.
    public var pipesTo: String?
    /// What this stage measures in passing, for later stages' `{{gain:STEP}}` tokens.
    public var measures: [GainMeasurement]
    /// Seconds of media this stage produces, for progress.
    public var expectedDuration: Double
    /// For analyze and peaks: the work file read and the output written.
    public var source: String?
    public var output: String?
    /// For peaks: how many min/max pairs.
    public var points: Int?
    /// For analyze: seconds between the points of a short-term loudness curve, when one is asked for.
    public var curveInterval: Double?
    /// For analyze and peaks of an input as it is: the input's file, read in place of a work file.
    public var inputPath: String?

    public init(
        id: String,
        kind: Kind,
        arguments: [String],
        pipesTo: String? = nil,
        measures: [GainMeasurement] = [],
        expectedDuration: Double,
        source: String? = nil,
        output: String? = nil,
        points: Int? = nil,
        curveInterval: Double? = nil,
        inputPath: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.arguments = arguments
        self.pipesTo = pipesTo
        self.measures = measures
        self.expectedDuration = expectedDuration
        self.source = source
        self.output = output
        self.points = points
        self.curveInterval = curveInterval
        self.inputPath = inputPath
    }
}
