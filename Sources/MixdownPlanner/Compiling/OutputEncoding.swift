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

    /// The rate and layout conversion the recipe asks between the graph and the encoder (`-ac`, `-ar`).
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

    /// Whether the format's encoder takes audio of this rate and channel count as it is; otherwise ffmpeg
    /// converts it on the way (conservatively: mono and stereo for the lossy codecs).
    static func encodesUnconverted(_ format: OutputFormat, rate: Int, channels: Int) -> Bool {
        switch format {
        case .wav: true
        case .flac: channels <= 8 && rate <= 655_350
        case .mp3: channels <= 2 && [8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000].contains(rate)
        case .m4a, .mp4:
            channels <= 2 && [7_350, 8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000, 64_000, 88_200, 96_000].contains(rate)
        case .opus, .webm: channels <= 2 && [8_000, 12_000, 16_000, 24_000, 48_000].contains(rate)
        case .ogg: channels <= 2 && (8_000...192_000).contains(rate)
        case .json, .png: false
        }
    }
}
