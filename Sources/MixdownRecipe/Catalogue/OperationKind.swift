/// The name of every operation the recipe language knows.
///
/// Each case needs a specification (`OperationKind.spec`), a typed value (`Operation`) and a compilation in
/// the planner; all three switch over this enum without a default, so a case added without them does not build.
public enum OperationKind: String, CaseIterable, Sendable, Hashable, Codable {
    case trim, fade, gain, loudnorm, normalize, highpass, lowpass, eq, compress, limit, denoise
    case trimSilence = "trim_silence"
    case speed, pad, resample, loop, concat, crossfade, mix, duck, visualize, title, captions, analyze, peaks

    /// The name a recipe writes.
    public var name: String { rawValue }
}
