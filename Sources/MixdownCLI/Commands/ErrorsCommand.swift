import ArgumentParser
import MixdownRecipe

/// `mixdown errors`: every error code, its HTTP status, whether it is retried, and what it means.
struct ErrorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "errors", abstract: "List every error code mixdown reports.")

    @Flag(help: "Print the list as Markdown (the block in Docs/errors.md).")
    var markdown = false

    func run() throws {
        Console.print(markdown ? ErrorCode.markdown() : ErrorCode.listing())
    }
}
