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
    /// Outputs whose `expect` reads loudness from this stage's standard output: the audio as it goes to
    /// their encoder, as float WAV, measured on the way instead of decoded again afterwards.
    public var meters: [String]
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
        meters: [String] = [],
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
        self.meters = meters
        self.expectedDuration = expectedDuration
        self.source = source
        self.output = output
        self.points = points
        self.curveInterval = curveInterval
        self.inputPath = inputPath
    }
}

extension Stage {
    /// Plans are kept with their jobs as JSON: one written before a field existed still reads.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decode(String.self, forKey: .id),
            kind: try container.decode(Kind.self, forKey: .kind),
            arguments: try container.decode([String].self, forKey: .arguments),
            pipesTo: try container.decodeIfPresent(String.self, forKey: .pipesTo),
            measures: try container.decodeIfPresent([GainMeasurement].self, forKey: .measures) ?? [],
            meters: try container.decodeIfPresent([String].self, forKey: .meters) ?? [],
            expectedDuration: try container.decode(Double.self, forKey: .expectedDuration),
            source: try container.decodeIfPresent(String.self, forKey: .source),
            output: try container.decodeIfPresent(String.self, forKey: .output),
            points: try container.decodeIfPresent(Int.self, forKey: .points),
            curveInterval: try container.decodeIfPresent(Double.self, forKey: .curveInterval),
            inputPath: try container.decodeIfPresent(String.self, forKey: .inputPath)
        )
    }
}
