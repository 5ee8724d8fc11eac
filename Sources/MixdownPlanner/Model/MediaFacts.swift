/// What ffprobe says about an input file, reduced to what planning needs.
public struct MediaFacts: Sendable, Hashable, Codable {
    /// Seconds; nil for still images and streams of unknown length.
    public var duration: Double?
    public var hasAudio: Bool
    public var hasVideo: Bool
    public var sampleRate: Int?
    public var channels: Int?
    public var width: Int?
    public var height: Int?
    /// The container format ffprobe reports, e.g. `wav` or `png_pipe`.
    public var formatName: String?

    public init(
        duration: Double?,
        hasAudio: Bool,
        hasVideo: Bool,
        sampleRate: Int? = nil,
        channels: Int? = nil,
        width: Int? = nil,
        height: Int? = nil,
        formatName: String? = nil
    ) {
        self.duration = duration
        self.hasAudio = hasAudio
        self.hasVideo = hasVideo
        self.sampleRate = sampleRate
        self.channels = channels
        self.width = width
        self.height = height
        self.formatName = formatName
    }
}
