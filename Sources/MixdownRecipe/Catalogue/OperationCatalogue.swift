/// Every operation the recipe language knows. The parser, the planner, `mixdown ops`, the JSON Schema
/// and `Docs/recipes.md` are all derived from `OperationKind.spec`, so they cannot disagree.
public enum OperationCatalogue {
    public static let all: [OperationSpec] = OperationKind.allCases.map(\.spec)

    public static func operation(named name: String) -> OperationSpec? {
        OperationKind(rawValue: name).map { all[$0.index] }
    }

    public static var names: [String] { OperationKind.allCases.map(\.rawValue) }
}

extension OperationKind {
    /// Its position in `allCases` and so in `OperationCatalogue.all`.
    var index: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}

extension OperationKind {
    /// `value` held inside the parameter's range from the specification. The parser refuses values
    /// outside it; an operation built in code skips the parser, and the planner bounds what it writes
    /// into a filter with this, so the range is stated once.
    public func bounded(_ value: Double, _ parameter: String) -> Double {
        guard let range = OperationCatalogue.all[index].parameter(named: parameter)?.range else { return value }
        return min(max(value, range.lowerBound), range.upperBound)
    }

    public func bounded(_ value: Int, _ parameter: String) -> Int {
        // Integer ranges are exact in a Double; a value past one is replaced by the bound, so Int() never traps.
        guard let range = OperationCatalogue.all[index].parameter(named: parameter)?.range else { return value }
        return Int(min(max(Double(value), range.lowerBound), range.upperBound))
    }
}
