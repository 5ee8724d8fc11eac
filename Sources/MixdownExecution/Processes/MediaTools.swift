internal import Foundation

/// Where the external programs live, and the title font. Values come from the configuration door
/// (`MIXDOWN_FFMPEG`, `MIXDOWN_FFPROBE`, `MIXDOWN_YTDLP`, `MIXDOWN_FONT`, `PATH`); nothing here reads the
/// environment.
public struct MediaTools: Sendable, Hashable {
    public var ffmpeg: String
    public var ffprobe: String
    public var ytdlp: String
    /// The font file of the title operation; nil lets fontconfig choose.
    public var fontFile: String?

    public init(ffmpeg: String, ffprobe: String, ytdlp: String, fontFile: String? = nil) {
        self.ffmpeg = ffmpeg
        self.ffprobe = ffprobe
        self.ytdlp = ytdlp
        self.fontFile = fontFile
    }

    /// Each tool from its override or the first executable of its name on `searchPath`; a missing tool
    /// keeps its bare name so the error at first use names it.
    public static func locate(
        ffmpeg: String? = nil,
        ffprobe: String? = nil,
        ytdlp: String? = nil,
        searchPath: String,
        fontFile: String? = nil
    ) -> MediaTools {
        func locate(_ override: String?, _ name: String) -> String {
            if let override, !override.isEmpty { return override }
            for directory in searchPath.split(separator: ":") {
                let candidate = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
            return name
        }
        return MediaTools(
            ffmpeg: locate(ffmpeg, "ffmpeg"),
            ffprobe: locate(ffprobe, "ffprobe"),
            ytdlp: locate(ytdlp, "yt-dlp"),
            fontFile: fontFile
        )
    }
}
