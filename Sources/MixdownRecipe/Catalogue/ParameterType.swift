/// The type of an operation parameter; decides how its YAML text is parsed and how the schema describes it.
/// Numeric bounds live on the parameter (`ParameterSpec.range`), in the type's unit.
public indirect enum ParameterType: Sendable, Hashable {
    /// Seconds; `allowsNegative` for positions counted from the end.
    case duration(allowsNegative: Bool)
    /// Decibels.
    case level
    /// Hertz.
    case frequency
    case number
    case integer
    case string(maxLength: Int)
    case boolean
    /// `#rrggbb`, `0xrrggbb` or an ffmpeg colour name.
    case color
    /// `WIDTHxHEIGHT`.
    case size
    case choice([String])
    /// One input or step name.
    case reference
    /// A list of input or step names.
    case references(ClosedRange<Int>)
    /// A list of plain numbers.
    case numbers(ClosedRange<Double>)
    /// A colour, or the name of an image input.
    case colorOrReference
    /// A list of records with the given fields.
    case records([ParameterSpec])

    /// How the type reads in `mixdown ops` and the docs.
    public var summary: String {
        switch self {
        case .duration(let negative): negative ? "duration (negative counts from the end)" : "duration"
        case .level: "level (dB)"
        case .frequency: "frequency (Hz)"
        case .number: "number"
        case .integer: "integer"
        case .string: "text"
        case .boolean: "boolean"
        case .color: "colour"
        case .size: "size (WIDTHxHEIGHT)"
        case .choice(let options): options.joined(separator: "|")
        case .reference: "input or step name"
        case .references(let counts): "list of \(counts.lowerBound)..\(counts.upperBound) input or step names"
        case .numbers(let range): "list of numbers \(format(range.lowerBound))..\(format(range.upperBound))"
        case .colorOrReference: "colour or image input name"
        case .records(let fields): "list of {" + fields.map(\.name).joined(separator: ", ") + "}"
        }
    }

    /// The unit its numbers are in, for messages and docs; empty for plain numbers.
    public var unit: String {
        switch self {
        case .duration: "s"
        case .level: "dB"
        case .frequency: "Hz"
        default: ""
        }
    }
}

func format(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
}
