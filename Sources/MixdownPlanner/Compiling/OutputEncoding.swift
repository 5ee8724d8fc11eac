import MixdownRecipe

/// Codec and muxer arguments for each output format.
enum OutputEncoding {
    /// Formats whose players expect 44.1 or 48 kHz: a lower rate sounds dull and some players refuse it.
    static let listenerRates: Set<OutputFormat> = [.mp3, .m4a, .mp4, .webm]

    /// `sourceRate` is the rate the output's audio runs at; it is raised to 44.1 kHz (or lowered to
    /// 48 kHz) for the formats in ``listenerRates`` unless the recipe sets a rate.
    static func arguments(for output: RecipeOutput, preview: Bool, sourceRate: Int? = nil, video: VideoEncoder = .libx264) -> [String] {
        var bitrate = output.bitrate
        if preview { bitrate = min(bitrate ?? 96_000, 96_000) }
        func audioBitrate(_ fallback: Int) -> [String] { ["-b:a", "\(bitrate ?? fallback)"] }
        var arguments: [String]
        switch output.format {
        case .wav: arguments = ["-c:a", "pcm_s16le", "-rf64", "auto", "-f", "wav"]
        case .flac: arguments = ["-c:a", "flac", "-f", "flac"]
        case .mp3: arguments = ["-c:a", "libmp3lame"] + audioBitrate(192_000) + ["-f", "mp3"]
        case .m4a: arguments = ["-c:a", "aac"] + audioBitrate(192_000) + ["-movflags", "+faststart", "-f", "ipod"]
        case .opus: arguments = ["-c:a", "libopus"] + audioBitrate(128_000) + ["-f", "opus"]
        case .ogg: arguments = ["-c:a", "libvorbis"] + audioBitrate(160_000) + ["-f", "ogg"]
        case .mp4:
            arguments = video.arguments(preview: preview) + ["-c:a", "aac"] + audioBitrate(192_000) + ["-movflags", "+faststart", "-f", "mp4"]
        case .webm:
            arguments =
                [
                    "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-row-mt", "1", "-b:v", "0", "-crf", preview ? "45" : "33",
                    "-pix_fmt", "yuv420p", "-c:a", "libopus",
                ] + audioBitrate(128_000) + ["-f", "webm"]
        case .png: arguments = ["-frames:v", "1", "-c:v", "png", "-update", "1", "-f", "image2"]
        case .json: arguments = []
        }
        return conversion(for: output, sourceRate: sourceRate) + arguments
    }

    /// The rate and layout conversion between the graph and the encoder (`-ac`, `-ar`): the meter of an
    /// output's `expect` applies the same, so it measures the samples the encoder is given.
    static func conversion(for output: RecipeOutput, sourceRate: Int?) -> [String] {
        var arguments: [String] = []
        if let channels = output.channels { arguments += ["-ac", "\(channels)"] }
        if let rate = output.sampleRate, output.format.accepts.contains(.audio) || output.format.accepts.contains(.video) {
            arguments += ["-ar", "\(rate)"]
        } else if listenerRates.contains(output.format), let rate = sourceRate, !(44_100...48_000).contains(rate) {
            arguments += ["-ar", rate < 44_100 ? "44100" : "48000"]
        }
        return arguments
    }
}
