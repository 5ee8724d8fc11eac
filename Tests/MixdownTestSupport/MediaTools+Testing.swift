import Foundation
public import MixdownExecution

extension MediaTools {
    /// The tools as the test process finds them (`MIXDOWN_FFMPEG`... or PATH). Production code gets its
    /// tools from the configuration door instead.
    public static func fromEnvironment() -> MediaTools {
        let environment = ProcessInfo.processInfo.environment
        return MediaTools.locate(
            ffmpeg: environment["MIXDOWN_FFMPEG"],
            ffprobe: environment["MIXDOWN_FFPROBE"],
            ytdlp: environment["MIXDOWN_YTDLP"],
            searchPath: environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
            fontFile: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
        )
    }
}
