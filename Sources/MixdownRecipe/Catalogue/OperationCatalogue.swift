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
