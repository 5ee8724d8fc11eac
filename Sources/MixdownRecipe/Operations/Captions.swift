/// `captions`: subtitles from an SRT file burnt into the video.
public struct Captions: Sendable, Hashable, Codable {
    /// Path relative to the recipe; the parser keeps it inside the recipe's folder.
    public var srt: String

    public init(srt: String) { self.srt = srt }

    public init(_ arguments: OperationArguments) { self.init(srt: arguments.string("srt")) }
}
