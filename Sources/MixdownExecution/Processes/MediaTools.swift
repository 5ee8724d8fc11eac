internal import Foundation

/// Where the external programs live: `MIXDOWN_FFMPEG`, `MIXDOWN_FFPROBE`, `MIXDOWN_YTDLP`, else `PATH`.
public struct MediaTools: Sendable, Hashable {
    public var ffmpeg: String
    public var ffprobe: String
    public var ytdlp: String

    public init(ffmpeg: String, ffprobe: String, ytdlp: String) {
        self.ffmpeg = ffmpeg
        self.ffprobe = ffprobe
        self.ytdlp = ytdlp
    }

    /// Resolves each tool from its override variable or the search path; a missing tool keeps its bare
    /// name so the error at first use names it.
    public static func fromEnvironment(_ environment: [String: String]? = nil) -> MediaTools {
        let environment = environment ?? ProcessInfo.processInfo.environment
        func locate(_ variable: String, _ name: String) -> String {
            if let override = environment[variable], !override.isEmpty { return override }
            for directory in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
                let candidate = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
            return name
        }
        return MediaTools(
            ffmpeg: locate("MIXDOWN_FFMPEG", "ffmpeg"),
            ffprobe: locate("MIXDOWN_FFPROBE", "ffprobe"),
            ytdlp: locate("MIXDOWN_YTDLP", "yt-dlp")
        )
    }
}
