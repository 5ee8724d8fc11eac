import ArgumentParser
import MixdownRecipe

/// `mixdown schema`: the recipe JSON Schema, as committed in Schemas/recipe.schema.json.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "schema", abstract: "Print the recipe JSON Schema (2020-12).")

    func run() throws {
        Console.print(try RecipeSchema.json())
    }
}
