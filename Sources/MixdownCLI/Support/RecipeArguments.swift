import ArgumentParser
import MixdownRecipe

/// The `--set` and `--input` options shared by plan, run and batch.
struct RecipeArguments: ParsableArguments {
    @Option(name: .customLong("set"), help: ArgumentHelp("Override a recipe param.", valueName: "name=value"))
    var settings: [String] = []

    @Option(name: .customLong("input"), help: ArgumentHelp("Supply an upload input.", valueName: "name=path"))
    var inputs: [String] = []

    func overrides() throws -> [String: String] { try pairs(settings, option: "--set") }
    func uploads() throws -> [String: String] { try pairs(inputs, option: "--input") }

    private func pairs(_ values: [String], option: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for value in values {
            guard let equals = value.firstIndex(of: "="), equals != value.startIndex else {
                throw ValidationError("\(option) takes NAME=VALUE, got '\(value)'")
            }
            result[String(value[..<equals])] = String(value[value.index(after: equals)...])
        }
        return result
    }
}
