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
        switch self {
        case .string(let value), .reference(let value): value
        default: nil
        }
    }

    /// The value as a recipe writes it; also its JSON Schema `default`.
    public var text: String {
        switch self {
        case .number(let value): format(value)
        case .string(let value), .reference(let value): value
        case .bool(let value): value ? "true" : "false"
        case .size(let width, let height): "\(width)x\(height)"
        case .references(let names): "[" + names.joined(separator: ", ") + "]"
        case .numbers(let values): "[" + values.map(format).joined(separator: ", ") + "]"
        case .records: "[...]"
        }
    }
}

extension ArgumentValue: ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByStringLiteral {
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(stringLiteral value: String) { self = .string(value) }
}
