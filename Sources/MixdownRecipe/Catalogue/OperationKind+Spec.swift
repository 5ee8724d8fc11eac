extension OperationKind {
    /// The operation's specification. Each is built in a function of its own: one literal holding every
    /// operation made a stack frame large enough to overflow a cooperative thread in debug builds.
    public var spec: OperationSpec {
        switch self {
        case .trim: Self.trimSpec()
        case .fade: Self.fadeSpec()
        case .gain: Self.gainSpec()
        case .loudnorm: Self.loudnormSpec()
        case .normalize: Self.normalizeSpec()
        case .highpass: Self.cutoffSpec(.highpass, "Removes content below a frequency (rumble, handling noise).", example: "highpass: { freq: 80Hz }")
        case .lowpass: Self.cutoffSpec(.lowpass, "Removes content above a frequency (hiss).", example: "lowpass: { freq: 12kHz }")
        case .eq: Self.eqSpec()
        case .compress: Self.compressSpec()
        case .limit: Self.limitSpec()
        case .denoise: Self.denoiseSpec()
        case .trimSilence: Self.trimSilenceSpec()
        case .speed: Self.speedSpec()
        case .pad: Self.padSpec()
        case .resample: Self.resampleSpec()
        case .loop: Self.loopSpec()
        case .concat: Self.concatSpec()
        case .crossfade: Self.crossfadeSpec()
        case .mix: Self.mixSpec()
        case .duck: Self.duckSpec()
        case .visualize: Self.visualizeSpec()
        case .title: Self.titleSpec()
        case .captions: Self.captionsSpec()
        case .analyze: Self.analyzeSpec()
        case .peaks: Self.peaksSpec()
        }
    }

    private static func trimSpec() -> OperationSpec {
        OperationSpec(
            .trim,
            summary: "Keeps a section of the stream. `end` may be negative to count from the end; give `end` or `duration`, not both.",
            parameters: [
                .init("start", .duration(allowsNegative: false), default: 0, "Where the kept section starts."),
                .init("end", .duration(allowsNegative: true), "Where it ends; negative counts back from the end."),
                .init("duration", .duration(allowsNegative: false), "How long the kept section is; more than 0."),
            ],
            requiresOneOf: ["start", "end", "duration"],
            example: "trim: { start: 5s, end: -3s }"
        )
    }

    private static func fadeSpec() -> OperationSpec {
        OperationSpec(
            .fade,
            summary: "Fades in from silence at the start and/or out to silence at the end.",
            parameters: [
                .init("in", .duration(allowsNegative: false), "Length of the fade-in; 0 means none."),
                .init("out", .duration(allowsNegative: false), "Length of the fade-out, ending at the end of the stream; 0 means none."),
            ],
            requiresOneOf: ["in", "out"],
            example: "fade: { in: 500ms, out: 2s }"
        )
    }

    private static func gainSpec() -> OperationSpec {
        OperationSpec(
            .gain,
            summary: "Changes the level by a fixed number of decibels.",
            parameters: [.init("db", .level, required: true, range: -60...60, "Gain in dB; negative is quieter.")],
            shorthand: "db",
            example: "gain: -3dB"
        )
    }

    private static func loudnormSpec() -> OperationSpec {
        OperationSpec(
            .loudnorm,
            summary:
                "Normalises integrated loudness (EBU R128). By default the loudness is measured first, in the same pass as the steps before it, then applied as a linear gain with a true-peak limiter: it lands on the target. `two_pass: false` uses ffmpeg's dynamic single-pass loudnorm instead (it adapts as it goes, so it can miss the target by a few LU).",
            parameters: [
                .init("target", .level, default: -16, range: -70 ... -5, unit: "LUFS", "Integrated loudness target."),
                .init("true_peak", .level, default: -1.5, range: -9...0, unit: "dBTP", "Maximum true peak."),
                .init("lra", .number, default: 11, range: 1...50, unit: "LU", "Loudness range target (dynamic single pass only)."),
                .init(
                    "two_pass",
                    .boolean,
                    default: true,
                    "Measure first, then apply a linear gain: exact loudness, no pumping. `false`: dynamic single pass."
                ),
            ],
            example: "loudnorm: { target: -16, true_peak: -1.5 }"
        )
    }

    private static func normalizeSpec() -> OperationSpec {
        OperationSpec(
            .normalize,
            summary: "Measures the sample peak and applies the gain that brings it to `peak`.",
            parameters: [.init("peak", .level, default: -1, range: -60...0, unit: "dBFS", "Target sample peak.")],
            shorthand: "peak",
            example: "normalize: { peak: -1dB }"
        )
    }

    private static func cutoffSpec(_ kind: OperationKind, _ summary: String, example: String) -> OperationSpec {
        OperationSpec(
            kind,
            summary: summary,
            parameters: [.init("freq", .frequency, required: true, range: 1...40_000, "Cut-off frequency.")],
            shorthand: "freq",
            example: example
        )
    }

    private static func eqSpec() -> OperationSpec {
        OperationSpec(
            .eq,
            summary: "Peaking equaliser with one or more bands.",
            parameters: [
                .init(
                    "bands",
                    .records([
                        .init("freq", .frequency, required: true, range: 1...40_000, "Centre frequency."),
                        .init("gain", .level, required: true, range: -30...30, "Boost or cut in dB."),
                        .init("width", .number, default: 1, range: 0.05...20, "Bandwidth as Q."),
                    ]),
                    required: true,
                    "The bands, applied in order."
                )
            ],
            shorthand: "bands",
            example: "eq: { bands: [{ freq: 200Hz, gain: -3dB, width: 1.4 }, { freq: 4kHz, gain: 2dB }] }"
        )
    }

    private static func compressSpec() -> OperationSpec {
        OperationSpec(
            .compress,
            summary: "Dynamic range compressor.",
            parameters: [
                .init("threshold", .level, default: -18, range: -60...0, "Level above which gain is reduced."),
                .init("ratio", .number, default: 3, range: 1...20, "Compression ratio."),
                .init("attack", .duration(allowsNegative: false), default: 0.02, range: 0.00001...2, "How fast gain reduction starts."),
                .init("release", .duration(allowsNegative: false), default: 0.25, range: 0.01...9, "How fast it recovers."),
                .init("makeup", .level, default: 0, range: 0...36, "Gain added after compression."),
            ],
            example: "compress: { threshold: -20dB, ratio: 3, attack: 10ms, release: 200ms, makeup: 2dB }"
        )
    }

    private static func limitSpec() -> OperationSpec {
        OperationSpec(
            .limit,
            summary: "Brick-wall limiter: the level never exceeds `ceiling`.",
            parameters: [.init("ceiling", .level, default: -1, range: -24...0, unit: "dBFS", "Maximum level.")],
            shorthand: "ceiling",
            example: "limit: { ceiling: -1dB }"
        )
    }

    private static func denoiseSpec() -> OperationSpec {
        OperationSpec(
            .denoise,
            summary: "FFT noise reduction for steady background noise (hum, hiss, room tone).",
            parameters: [.init("amount", .level, default: 12, range: 1...97, "Noise reduction.")],
            shorthand: "amount",
            example: "denoise: { amount: 12dB }"
        )
    }

    private static func trimSilenceSpec() -> OperationSpec {
        OperationSpec(
            .trimSilence,
            summary: "Removes silence at the start, the end, both, or everywhere.",
            parameters: [
                .init("threshold", .level, default: -50, range: -100...0, "Below this level counts as silence."),
                .init("min_duration", .duration(allowsNegative: false), default: 0.5, "Silence shorter than this is kept."),
                .init("where", .choice(TrimSilence.Region.allCases.map(\.rawValue)), default: "both", "Which silences to remove."),
            ],
            example: "trim_silence: { threshold: -45dB, min_duration: 300ms, where: both }"
        )
    }

    private static func speedSpec() -> OperationSpec {
        OperationSpec(
            .speed,
            summary: "Plays faster or slower, keeping the pitch.",
            parameters: [.init("factor", .number, required: true, range: 0.25...4, "1.25 is 25% faster.")],
            shorthand: "factor",
            example: "speed: { factor: 1.25 }"
        )
    }

    private static func padSpec() -> OperationSpec {
        OperationSpec(
            .pad,
            summary: "Adds silence before and/or after.",
            parameters: [
                .init("start", .duration(allowsNegative: false), "Silence added before."),
                .init("end", .duration(allowsNegative: false), "Silence added after."),
            ],
            requiresOneOf: ["start", "end"],
            example: "pad: { start: 1s, end: 2s }"
        )
    }

    private static func resampleSpec() -> OperationSpec {
        OperationSpec(
            .resample,
            summary: "Changes the sample rate and/or channel count.",
            parameters: [
                .init("rate", .integer, range: 8000...192_000, unit: "Hz", "Sample rate."),
                .init("channels", .integer, range: 1...8, "Number of channels (1 mono, 2 stereo)."),
            ],
            requiresOneOf: ["rate", "channels"],
            example: "resample: { rate: 44100, channels: 1 }"
        )
    }

    private static func loopSpec() -> OperationSpec {
        OperationSpec(
            .loop,
            summary: "Repeats the stream `count` times, or until it lasts `to`.",
            parameters: [
                .init("count", .integer, range: 1...1000, "How many times it plays in total."),
                .init("to", .duration(allowsNegative: false), "Repeat until it lasts this long (then cut); more than 0."),
            ],
            requiresOneOf: ["count", "to"],
            example: "loop: { to: 10m }"
        )
    }

    private static func concatSpec() -> OperationSpec {
        OperationSpec(
            .concat,
            summary: "Plays tracks one after another, optionally crossfading each join.",
            parameters: [
                .init("tracks", .references(2...64), required: true, "The tracks, in order."),
                .init("crossfade", .duration(allowsNegative: false), default: 0, "Overlap at each join."),
            ],
            shorthand: "tracks",
            input: nil,
            referenceTypes: ["tracks": [.audio]],
            example: "concat: [intro, body, outro]"
        )
    }

    private static func crossfadeSpec() -> OperationSpec {
        OperationSpec(
            .crossfade,
            summary: "Crossfades from the first track into the second.",
            parameters: [
                .init("tracks", .references(2...2), required: true, "The two tracks, first then second."),
                .init("duration", .duration(allowsNegative: false), default: 1, "Length of the overlap; 0 plays the tracks one after the other."),
            ],
            input: nil,
            referenceTypes: ["tracks": [.audio]],
            example: "crossfade: { tracks: [song_a, song_b], duration: 3s }"
        )
    }

    private static func mixSpec() -> OperationSpec {
        OperationSpec(
            .mix,
            summary: "Mixes tracks together, each with an optional weight.",
            parameters: [
                .init("tracks", .references(2...32), required: true, "The tracks to mix."),
                .init("weights", .numbers(0...10), "One weight per track (default all 1)."),
                .init("duration", .choice(Mix.Length.allCases.map(\.rawValue)), default: "longest", "How long the mix lasts."),
            ],
            shorthand: "tracks",
            input: nil,
            referenceTypes: ["tracks": [.audio]],
            example: "mix: { tracks: [voice, bed], weights: [1, 0.5], duration: first }"
        )
    }

    private static func duckSpec() -> OperationSpec {
        OperationSpec(
            .duck,
            summary: "Lowers this stream while another one (`by`, usually a voice) is loud: a sidechain compressor.",
            parameters: [
                .init("by", .reference, required: true, "The stream that triggers ducking."),
                .init("amount", .level, default: -12, range: -60...0, "About how far the stream is lowered."),
                .init("threshold", .level, default: -30, range: -60...0, "Level of `by` at which ducking starts."),
                .init("attack", .duration(allowsNegative: false), default: 0.02, range: 0.00001...2, "How fast ducking starts."),
                .init("release", .duration(allowsNegative: false), default: 0.4, range: 0.00001...9, "How fast it recovers."),
            ],
            referenceTypes: ["by": [.audio]],
            example: "duck: { by: voice, amount: -15dB }"
        )
    }

    private static func visualizeSpec() -> OperationSpec {
        OperationSpec(
            .visualize,
            summary:
                "Makes a video from audio: a waveform, spectrum or constant-Q display over a colour or image background, or the background alone (`cover`). The audio rides along as the video's soundtrack.",
            parameters: [
                .init("audio", .reference, "The audio to show (default: `from`)."),
                .init("style", .choice(Visualize.Style.allCases.map(\.rawValue)), default: "waveform", "What to draw; `cover` draws nothing over the background."),
                .init("size", .size, default: .size(width: 1280, height: 720), "Frame size."),
                .init("fps", .integer, default: 25, range: 1...60, "Frames per second."),
                .init("color", .color, default: "white", "Colour of the waveform."),
                .init("background", .colorOrReference, default: "black", "A colour, or the name of an image input."),
            ],
            referenceTypes: ["audio": [.audio], "background": [.image]],
            output: .video,
            example: "visualize: { style: waveform, size: 1280x720, color: \"#33ccff\", background: cover }"
        )
    }

    private static func titleSpec() -> OperationSpec {
        OperationSpec(
            .title,
            summary: "Draws text over the video.",
            parameters: [
                .init("text", .string(maxLength: 500), required: true, "The text."),
                .init("position", .choice(Title.Position.allCases.map(\.rawValue)), default: "bottom", "Where it sits."),
                .init("size", .integer, default: 48, range: 8...200, unit: "px", "Font size."),
                .init("color", .color, default: "white", "Text colour."),
            ],
            shorthand: "text",
            input: .video,
            output: .video,
            example: "title: { text: \"Episode 12: Mixdown\", position: top, size: 56 }"
        )
    }

    private static func captionsSpec() -> OperationSpec {
        OperationSpec(
            .captions,
            summary: "Burns subtitles from an SRT file (a path relative to the recipe) into the video.",
            parameters: [.init("srt", .string(maxLength: 1024), required: true, "Path of the .srt file, relative to the recipe.")],
            shorthand: "srt",
            input: .video,
            output: .video,
            example: "captions: { srt: episode.srt }"
        )
    }

    private static func analyzeSpec() -> OperationSpec {
        OperationSpec(
            .analyze,
            summary:
                "Measures integrated loudness, loudness range, short-term maximum, true peak, sample peak and duration (EBU R 128, with libebur128); writes them as JSON.",
            parameters: [
                .init(
                    "curve",
                    .duration(allowsNegative: false),
                    range: 0.1...60,
                    "Also write `loudnessCurve`: the short-term (3 s) loudness every this many seconds, for drawing in editors."
                )
            ],
            output: .data,
            example: "analyze: { curve: 1 }"
        )
    }

    private static func peaksSpec() -> OperationSpec {
        OperationSpec(
            .peaks,
            summary: "Waveform peaks as JSON (`points` pairs of min/max in -1..1) for drawing in editors.",
            parameters: [.init("points", .integer, default: 1000, range: 10...100_000, "How many min/max pairs.")],
            shorthand: "points",
            output: .data,
            example: "peaks: { points: 800 }"
        )
    }
}
