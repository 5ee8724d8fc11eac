/// One step's operation with its arguments typed, defaults filled in from its specification.
public enum Operation: Sendable, Hashable, Codable {
    case trim(Trim)
    case fade(Fade)
    case gain(Gain)
    case loudnorm(Loudnorm)
    case normalize(Normalize)
    case highpass(Cutoff)
    case lowpass(Cutoff)
    case eq(Equalizer)
    case compress(Compress)
    case limit(Limit)
    case denoise(Denoise)
    case trimSilence(TrimSilence)
    case speed(Speed)
    case pad(Pad)
    case resample(Resample)
    case loop(Loop)
    case concat(Concat)
    case crossfade(Crossfade)
    case mix(Mix)
    case duck(Duck)
    case visualize(Visualize)
    case title(Title)
    case captions(Captions)
    case analyze(Analyze)
    case peaks(Peaks)

    /// Builds the typed value from parsed arguments (the parser has checked them against `kind.spec`).
    public init(_ kind: OperationKind, _ values: [String: ArgumentValue]) {
        let arguments = OperationArguments(kind, values)
        switch kind {
        case .trim: self = .trim(Trim(arguments))
        case .fade: self = .fade(Fade(arguments))
        case .gain: self = .gain(Gain(arguments))
        case .loudnorm: self = .loudnorm(Loudnorm(arguments))
        case .normalize: self = .normalize(Normalize(arguments))
        case .highpass: self = .highpass(Cutoff(arguments))
        case .lowpass: self = .lowpass(Cutoff(arguments))
        case .eq: self = .eq(Equalizer(arguments))
        case .compress: self = .compress(Compress(arguments))
        case .limit: self = .limit(Limit(arguments))
        case .denoise: self = .denoise(Denoise(arguments))
        case .trimSilence: self = .trimSilence(TrimSilence(arguments))
        case .speed: self = .speed(Speed(arguments))
        case .pad: self = .pad(Pad(arguments))
        case .resample: self = .resample(Resample(arguments))
        case .loop: self = .loop(Loop(arguments))
        case .concat: self = .concat(Concat(arguments))
        case .crossfade: self = .crossfade(Crossfade(arguments))
        case .mix: self = .mix(Mix(arguments))
        case .duck: self = .duck(Duck(arguments))
        case .visualize: self = .visualize(Visualize(arguments))
        case .title: self = .title(Title(arguments))
        case .captions: self = .captions(Captions(arguments))
        case .analyze: self = .analyze(Analyze(arguments))
        case .peaks: self = .peaks(Peaks(arguments))
        }
    }

    /// The operation with every parameter at its default, e.g. to change one field of in code.
    public static func defaults(_ kind: OperationKind) -> Operation { Operation(kind, [:]) }

    public var kind: OperationKind {
        switch self {
        case .trim: .trim
        case .fade: .fade
        case .gain: .gain
        case .loudnorm: .loudnorm
        case .normalize: .normalize
        case .highpass: .highpass
        case .lowpass: .lowpass
        case .eq: .eq
        case .compress: .compress
        case .limit: .limit
        case .denoise: .denoise
        case .trimSilence: .trimSilence
        case .speed: .speed
        case .pad: .pad
        case .resample: .resample
        case .loop: .loop
        case .concat: .concat
        case .crossfade: .crossfade
        case .mix: .mix
        case .duck: .duck
        case .visualize: .visualize
        case .title: .title
        case .captions: .captions
        case .analyze: .analyze
        case .peaks: .peaks
        }
    }

    /// The name a recipe writes.
    public var name: String { kind.rawValue }
}
