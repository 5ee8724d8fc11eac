/// A parameter's value after its unit has been parsed: seconds, dB and Hz are plain numbers.
public enum ArgumentValue: Sendable, Hashable, Codable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case size(width: Int, height: Int)
    /// The name of an input or a step.
    case reference(String)
    case references([String])
    case numbers([Double])
    /// A list of records, e.g. `eq`'s bands.
    case records([[String: ArgumentValue]])

    public var number: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }
}
