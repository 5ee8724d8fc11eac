/// A step's parsed arguments with its specification's defaults behind them: what a typed operation is
/// built from, so each default is read from the specification and written nowhere else.
public struct OperationArguments: Sendable {
    public var parameters: [ParameterSpec]
    public var values: [String: ArgumentValue]

    public init(_ parameters: [ParameterSpec], _ values: [String: ArgumentValue] = [:]) {
        self.parameters = parameters
        self.values = values
    }

    public init(_ kind: OperationKind, _ values: [String: ArgumentValue] = [:]) {
        self.init(kind.spec.parameters, values)
    }

    /// The written value, else the default; nil for an optional parameter left out.
    public func value(_ name: String) -> ArgumentValue? {
        values[name] ?? parameters.first { $0.name == name }?.defaultValue
    }

    public func optionalNumber(_ name: String) -> Double? { value(name)?.number }

    /// The parser has already required the parameter or supplied its default; 0 only for a hand-made argument set.
    public func number(_ name: String) -> Double { optionalNumber(name) ?? 0 }

    /// A whole number; the parser bounds it, and a value from elsewhere is clamped rather than trapping.
    public func optionalInteger(_ name: String) -> Int? {
        guard let value = optionalNumber(name), value.isFinite else { return nil }
        return Int(max(-1e15, min(1e15, value.rounded())))
    }

    public func integer(_ name: String) -> Int { optionalInteger(name) ?? 0 }

    public func optionalString(_ name: String) -> String? { value(name)?.string }

    public func string(_ name: String) -> String { optionalString(name) ?? "" }

    public func bool(_ name: String) -> Bool {
        if case .bool(let value)? = value(name) { return value }
        return false
    }

    public func choice<Choice: ParameterChoice>(_ name: String) -> Choice {
        optionalString(name).flatMap(Choice.init(rawValue:)) ?? Choice.fallback
    }

    public func references(_ name: String) -> [String] {
        if case .references(let names)? = value(name) { return names }
        return []
    }

    public func numbers(_ name: String) -> [Double]? {
        if case .numbers(let values)? = value(name) { return values }
        return nil
    }

    public func size(_ name: String) -> (width: Int, height: Int) {
        if case .size(let width, let height)? = value(name) { return (width, height) }
        return (0, 0)
    }

    /// Each record with its fields' defaults behind it.
    public func records(_ name: String) -> [OperationArguments] {
        guard case .records(let fields)? = parameters.first(where: { $0.name == name })?.type, case .records(let records)? = value(name) else {
            return []
        }
        return records.map { OperationArguments(fields, $0) }
    }
}
