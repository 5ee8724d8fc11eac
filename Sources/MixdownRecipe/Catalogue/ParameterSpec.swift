/// One parameter of an operation, as the parser, the typed operations, the schema, `mixdown ops` and the docs
/// all see it: its type, default, range and meaning are values here and nowhere else.
public struct ParameterSpec: Sendable, Hashable {
    public var name: String
    public var type: ParameterType
    public var isRequired: Bool
    /// The value used when the parameter is left out; the typed operation reads it from here.
    public var defaultValue: ArgumentValue?
    /// For numeric types, the values allowed, in the type's unit (seconds, dB, Hz).
    public var range: ClosedRange<Double>?
    /// The unit messages and docs name, when it says more than the type's (`LUFS` for a level).
    public var unit: String
    public var summary: String

    public init(
        _ name: String,
        _ type: ParameterType,
        required: Bool = false,
        default defaultValue: ArgumentValue? = nil,
        range: ClosedRange<Double>? = nil,
        unit: String? = nil,
        _ summary: String
    ) {
        self.name = name
        self.type = type
        self.isRequired = required
        self.defaultValue = defaultValue
        self.range = range
        self.unit = unit ?? type.unit
        self.summary = summary
    }

    /// The range as docs and messages write it, e.g. `-70..-5 LUFS`.
    public var rangeText: String? {
        guard let range else { return nil }
        if case .duration = type { return "\(Self.duration(range.lowerBound))..\(Self.duration(range.upperBound))" }
        return "\(format(range.lowerBound))..\(format(range.upperBound))" + (unit.isEmpty ? "" : " \(unit)")
    }

    /// Seconds as a recipe writes them: `250ms` under a second, `2s` from one.
    static func duration(_ seconds: Double) -> String {
        seconds != 0 && seconds.magnitude < 1 ? format((seconds * 1_000_000).rounded() / 1000) + "ms" : format(seconds) + "s"
    }

    /// The default as a recipe would write it, e.g. `250ms`, `-18dB`, `1280x720`.
    public var defaultText: String? {
        guard let value = defaultValue else { return nil }
        switch (value, type) {
        case (.number(let seconds), .duration):
            return Self.duration(seconds)
        case (.number(let number), .level), (.number(let number), .frequency):
            return format(number) + (unit == type.unit ? unit : "")
        default:
            return value.text
        }
    }
}
