import ArgumentParser
import MixdownExecution
import MixdownRecipe

/// `mixdown validate FILE...`: every problem in every recipe, as FILE:LINE:COLUMN: error: message.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check recipes without running anything; exits 65 if any is invalid."
    )

    @Argument(help: "Recipe files.")
    var files: [String]

    @OptionGroup var recipe: RecipeArguments

    @Flag(help: "Print the result as JSON.")
    var json = false

    struct Result: Encodable {
        var file: String
        var valid: Bool
        var diagnostics: [MixdownError]
    }

    func run() async throws {
        let overrides = try recipe.overrides()
        let uploads = try recipe.uploads()
        var results: [Result] = []
        for file in files {
            do {
                _ = try RecipePreparation.parse(file: file, overrides: overrides, uploads: uploads.isEmpty ? nil : Set(uploads.keys))
                results.append(Result(file: file, valid: true, diagnostics: []))
                if !json { Console.print("\(file): ok") }
            } catch {
                results.append(Result(file: file, valid: false, diagnostics: error.diagnostics))
                if !json { Console.report(error) }
            }
        }
        if json { Console.json(results) }
        let invalid = results.filter { !$0.valid }
        if !invalid.isEmpty {
            if !json {
                let problems = invalid.map(\.diagnostics.count).reduce(0, +)
                Console.error(
                    "\(problems) problem\(problems == 1 ? "" : "s") in \(invalid.count) of \(results.count) recipe\(results.count == 1 ? "" : "s")"
                )
            }
            throw ExitStatus.invalidRecipe
        }
    }
}
