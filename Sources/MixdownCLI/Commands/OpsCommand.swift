import ArgumentParser
import MixdownRecipe

/// `mixdown ops`: the operations and their parameters.
struct OpsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ops", abstract: "List the recipe operations and their parameters.")

    @Flag(help: "Print the reference as Markdown (the block in Docs/recipes.md).")
    var markdown = false

    func run() throws {
        Console.print(markdown ? OperationCatalogue.markdown() : OperationCatalogue.listing())
    }
}
