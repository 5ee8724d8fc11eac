/// Every operation the recipe language knows. The parser, the planner, `mixdown ops`, the JSON Schema
/// and `Docs/recipes.md` are all derived from this one list, so they cannot disagree.
public enum OperationCatalogue {
    public static let all: [OperationSpec] = [
        OperationSpec(
            name: "trim",
            summary: "Keeps a section of the stream. `end` may be negative to count from the end; give `end` or `duration`, not both.",
            parameters: [
                .init("start", .duration(allowsNegative: false), default: "0", "Where the kept section starts."),
                .init("end", .duration(allowsNegative: true), "Where it ends; negative counts back from the end."),
                .init("duration", .duration(allowsNegative: false), "How long the kept section is; more than 0."),
            ],
            requiresOneOf: ["start", "end", "duration"],
            example: "trim: { start: 5s, end: -3s }"
        ),
        OperationSpec(
            name: "fade",
            summary: "Fades in from silence at the start and/or out to silence at the end.",
            parameters: [
                .init("in", .duration(allowsNegative: false), "Length of the fade-in; 0 means none."),
                .init("out", .duration(allowsNegative: false), "Length of the fade-out, ending at the end of the stream; 0 means none."),
            ],
            requiresOneOf: ["in", "out"],
            example: "fade: { in: 500ms, out: 2s }"
        ),
        OperationSpec(
            name: "gain",
            summary: "Changes the level by a fixed number of decibels.",
            parameters: [.init("db", .level, required: true, "Gain in dB; negative is quieter.")],
            shorthand: "db",
            example: "gain: -3dB"
        ),
        OperationSpec(
            name: "loudnorm",
            summary:
                "Normalises integrated loudness (EBU R128). By default the loudness is measured first, in the same pass as the steps before it, then applied as a linear gain with a true-peak limiter: it lands on the target. `two_pass: false` uses ffmpeg's dynamic single-pass loudnorm instead (it adapts as it goes, so it can miss the target by a few LU).",
            parameters: [
                .init("target", .level, default: "-16", "Integrated loudness target in LUFS (-70..-5)."),
                .init("true_peak", .level, default: "-1.5", "Maximum true peak in dBTP (-9..0)."),
                .init("lra", .number(1...50), default: "11", "Loudness range target in LU."),
                .init("two_pass", .boolean, default: "true", "Measure first, then apply a linear gain: exact loudness, no pumping. `false`: dynamic single pass."),
            ],
            example: "loudnorm: { target: -16, true_peak: -1.5 }"
        ),
        OperationSpec(
            name: "normalize",
            summary: "Measures the sample peak and applies the gain that brings it to `peak`.",
            parameters: [.init("peak", .level, default: "-1", "Target sample peak in dBFS (at most 0).")],
            shorthand: "peak",
            example: "normalize: { peak: -1dB }"
        ),
        OperationSpec(
            name: "highpass",
            summary: "Removes content below a frequency (rumble, handling noise).",
            parameters: [.init("freq", .frequency, required: true, "Cut-off frequency.")],
            shorthand: "freq",
            example: "highpass: { freq: 80Hz }"
        ),
        OperationSpec(
            name: "lowpass",
            summary: "Removes content above a frequency (hiss).",
            parameters: [.init("freq", .frequency, required: true, "Cut-off frequency.")],
            shorthand: "freq",
            example: "lowpass: { freq: 12kHz }"
        ),
        OperationSpec(
            name: "eq",
            summary: "Peaking equaliser with one or more bands.",
            parameters: [
                .init(
                    "bands",
                    .records([
                        .init("freq", .frequency, required: true, "Centre frequency."),
                        .init("gain", .level, required: true, "Boost or cut in dB."),
                        .init("width", .number(0.05...20), default: "1", "Bandwidth as Q."),
                    ]),
                    required: true,
                    "The bands, applied in order."
                )
            ],
            shorthand: "bands",
            example: "eq: { bands: [{ freq: 200Hz, gain: -3dB, width: 1.4 }, { freq: 4kHz, gain: 2dB }] }"
        ),
        OperationSpec(
            name: "compress",
            summary: "Dynamic range compressor.",
            parameters: [
                .init("threshold", .level, default: "-18dB", "Level above which gain is reduced."),
                .init("ratio", .number(1...20), default: "3", "Compression ratio."),
                .init("attack", .duration(allowsNegative: false), default: "20ms", "How fast gain reduction starts (0.01ms..2s)."),
                .init("release", .duration(allowsNegative: false), default: "250ms", "How fast it recovers (10ms..9s)."),
                .init("makeup", .level, default: "0dB", "Gain added after compression (0..36 dB)."),
            ],
            example: "compress: { threshold: -20dB, ratio: 3, attack: 10ms, release: 200ms, makeup: 2dB }"
        ),
        OperationSpec(
            name: "limit",
            summary: "Brick-wall limiter: the level never exceeds `ceiling`.",
            parameters: [.init("ceiling", .level, default: "-1dB", "Maximum level in dBFS (-24..0).")],
            shorthand: "ceiling",
            example: "limit: { ceiling: -1dB }"
        ),
        OperationSpec(
            name: "denoise",
            summary: "FFT noise reduction for steady background noise (hum, hiss, room tone).",
            parameters: [.init("amount", .level, default: "12dB", "Noise reduction in dB (1..97).")],
            shorthand: "amount",
            example: "denoise: { amount: 12dB }"
        ),
        OperationSpec(
            name: "trim_silence",
            summary: "Removes silence at the start, the end, both, or everywhere.",
            parameters: [
                .init("threshold", .level, default: "-50dB", "Below this level counts as silence."),
                .init("min_duration", .duration(allowsNegative: false), default: "0.5s", "Silence shorter than this is kept."),
                .init("where", .choice(["start", "end", "both", "all"]), default: "both", "Which silences to remove."),
            ],
            example: "trim_silence: { threshold: -45dB, min_duration: 300ms, where: both }"
        ),
        OperationSpec(
            name: "speed",
            summary: "Plays faster or slower, keeping the pitch.",
            parameters: [.init("factor", .number(0.25...4), required: true, "1.25 is 25% faster.")],
            shorthand: "factor",
            example: "speed: { factor: 1.25 }"
        ),
        OperationSpec(
            name: "pad",
            summary: "Adds silence before and/or after.",
            parameters: [
                .init("start", .duration(allowsNegative: false), "Silence added before."),
                .init("end", .duration(allowsNegative: false), "Silence added after."),
            ],
            requiresOneOf: ["start", "end"],
            example: "pad: { start: 1s, end: 2s }"
        ),
        OperationSpec(
            name: "resample",
            summary: "Changes the sample rate and/or channel count.",
            parameters: [
                .init("rate", .integer(8000...192_000), "Sample rate in Hz."),
                .init("channels", .integer(1...8), "Number of channels (1 mono, 2 stereo)."),
            ],
            requiresOneOf: ["rate", "channels"],
            example: "resample: { rate: 44100, channels: 1 }"
        ),
        OperationSpec(
            name: "loop",
            summary: "Repeats the stream `count` times, or until it lasts `to`.",
            parameters: [
                .init("count", .integer(1...1000), "How many times it plays in total."),
                .init("to", .duration(allowsNegative: false), "Repeat until it lasts this long (then cut); more than 0."),
            ],
            requiresOneOf: ["count", "to"],
            example: "loop: { to: 10m }"
        ),
        OperationSpec(
            name: "concat",
            summary: "Plays tracks one after another, optionally crossfading each join.",
            parameters: [
                .init("tracks", .references(2...64), required: true, "The tracks, in order."),
                .init("crossfade", .duration(allowsNegative: false), default: "0", "Overlap at each join."),
            ],
            shorthand: "tracks",
            input: nil,
            referenceTypes: ["tracks": [.audio]],
            example: "concat: [intro, body, outro]"
        ),
        OperationSpec(
            name: "crossfade",
            summary: "Crossfades from the first track into the second.",
            parameters: [
                .init("tracks", .references(2...2), required: true, "The two tracks, first then second."),
                .init("duration", .duration(allowsNegative: false), default: "1s", "Length of the overlap; 0 plays the tracks one after the other."),
            ],
            input: nil,
            referenceTypes: ["tracks": [.audio]],
            example: "crossfade: { tracks: [song_a, song_b], duration: 3s }"
        ),
        OperationSpec(
            name: "mix",
            summary: "Mixes tracks together, each with an optional weight.",
            parameters: [
                .init("tracks", .references(2...32), required: true, "The tracks to mix."),
                .init("weights", .numbers(0...10), "One weight per track (default all 1)."),
                .init("duration", .choice(["longest", "shortest", "first"]), default: "longest", "How long the mix lasts."),
            ],
            shorthand: "tracks",
            input: nil,
            referenceTypes: ["tracks": [.audio]],
            example: "mix: { tracks: [voice, bed], weights: [1, 0.5], duration: first }"
        ),
        OperationSpec(
            name: "duck",
            summary: "Lowers this stream while another one (`by`, usually a voice) is loud: a sidechain compressor.",
            parameters: [
                .init("by", .reference, required: true, "The stream that triggers ducking."),
                .init("amount", .level, default: "-12dB", "About how far the stream is lowered."),
                .init("threshold", .level, default: "-30dB", "Level of `by` at which ducking starts."),
                .init("attack", .duration(allowsNegative: false), default: "20ms", "How fast ducking starts."),
                .init("release", .duration(allowsNegative: false), default: "400ms", "How fast it recovers."),
            ],
            referenceTypes: ["by": [.audio]],
            example: "duck: { by: voice, amount: -15dB }"
        ),
        OperationSpec(
            name: "visualize",
            summary:
                "Makes a video from audio: a waveform, spectrum or constant-Q display, over a colour or image background. The audio rides along as the video's soundtrack.",
            parameters: [
                .init("audio", .reference, "The audio to show (default: `from`)."),
                .init("style", .choice(["waveform", "spectrum", "cqt"]), default: "waveform", "What to draw."),
                .init("size", .size, default: "1280x720", "Frame size."),
                .init("fps", .integer(1...60), default: "25", "Frames per second."),
                .init("color", .color, default: "white", "Colour of the waveform."),
                .init("background", .colorOrReference, default: "black", "A colour, or the name of an image input."),
            ],
            referenceTypes: ["audio": [.audio], "background": [.image]],
            output: .video,
            example: "visualize: { style: waveform, size: 1280x720, color: \"#33ccff\", background: cover }"
        ),
        OperationSpec(
            name: "title",
            summary: "Draws text over the video.",
            parameters: [
                .init("text", .string(maxLength: 500), required: true, "The text."),
                .init("position", .choice(["top", "center", "bottom"]), default: "bottom", "Where it sits."),
                .init("size", .integer(8...200), default: "48", "Font size in pixels."),
                .init("color", .color, default: "white", "Text colour."),
            ],
            shorthand: "text",
            input: .video,
            output: .video,
            example: "title: { text: \"Episode 12: Mixdown\", position: top, size: 56 }"
        ),
        OperationSpec(
            name: "captions",
            summary: "Burns subtitles from an SRT file (a path relative to the recipe) into the video.",
            parameters: [.init("srt", .string(maxLength: 1024), required: true, "Path of the .srt file, relative to the recipe.")],
            shorthand: "srt",
            input: .video,
            output: .video,
            example: "captions: { srt: episode.srt }"
        ),
        OperationSpec(
            name: "analyze",
            summary:
                "Measures integrated loudness, loudness range, short-term maximum, true peak, sample peak and duration (EBU R 128, with libebur128); writes them as JSON.",
            parameters: [
                .init(
                    "curve",
                    .number(0.1...60),
                    "Also write `loudnessCurve`: the short-term (3 s) loudness every this many seconds, for drawing in editors."
                )
            ],
            output: .data,
            example: "analyze: { curve: 1 }"
        ),
        OperationSpec(
            name: "peaks",
            summary: "Waveform peaks as JSON (`points` pairs of min/max in -1..1) for drawing in editors.",
            parameters: [.init("points", .integer(10...100_000), default: "1000", "How many min/max pairs.")],
            shorthand: "points",
            output: .data,
            example: "peaks: { points: 800 }"
        ),
    ]

    /// The first operation of each name; a contract test keeps the names unique.
    private static let byName: [String: OperationSpec] = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

    public static func operation(named name: String) -> OperationSpec? { byName[name] }

    public static var names: [String] { all.map(\.name) }
}
