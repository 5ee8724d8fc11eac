import MixdownRecipe

/// Keeps the one unit parser: the planner reads `--preview` with the recipe language's own rules.
enum UnitParserBridge {
    static func duration(_ text: String) -> Double? { UnitParser.duration(text) }
}
