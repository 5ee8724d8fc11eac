public import MixdownPlanner

extension MediaFacts {
    /// Containers that hold their media themselves. Playlists and manifests (`hls`, `dash`, `concat`),
    /// which make ffmpeg open further files (local ones too, whatever the playlist's own name), and
    /// device or protocol "formats" are left out: a file a client sent must never make a worker read
    /// another file on its disk.
    public static let plainContainers: Set<String> = [
        "wav", "w64", "rf64", "aiff", "caf", "au", "flac", "mp3", "aac", "ogg", "opus", "wv", "ape", "tta", "ac3", "eac3", "dts",
        "truehd", "mlp", "amr", "asf", "mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska", "webm", "avi", "flv", "mpegts", "mpeg",
        "mpegvideo", "h264", "hevc", "ivf", "mjpeg", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe", "tiff_pipe", "gif", "image2",
    ]

    /// Whether ffprobe named a container of ``plainContainers`` (it lists aliases, comma-separated).
    public var isPlainMediaContainer: Bool {
        guard let formatName else { return false }
        return formatName.split(separator: ",").contains { Self.plainContainers.contains(String($0)) }
    }

    /// A still image: video without audio in an image format, which has no duration of its own.
    public var isStillImage: Bool {
        guard hasVideo, !hasAudio, let formatName else { return false }
        return formatName.hasSuffix("_pipe") || formatName == "image2" || formatName == "gif"
    }
}
