import MixdownRecipe

extension Planner {
    /// What the planner relies on in a recipe, checked again here because a `Recipe` can also be built or
    /// decoded without the parser: unique names, steps after what they read, known references, a bounded
    /// step count, and a preview window within range. Each failure is a diagnostic, never a trap.
    static func checkShape(_ recipe: Recipe, preview: PreviewWindow?) throws(RecipeError) {
        var problems: [RecipeDiagnostic] = []
        if let problem = preview?.problem {
            problems.append(RecipeDiagnostic(code: "bad-preview", message: problem, location: nil))
        }
        if recipe.steps.count > RecipeParser.defaultMaximumSteps {
            problems.append(
                RecipeDiagnostic(
                    code: "too-many-steps",
                    message: "the recipe has \(recipe.steps.count) steps; the limit is \(RecipeParser.defaultMaximumSteps)",
                    location: recipe.steps.first?.location
                )
            )
            throw RecipeError(problems)
        }
        var defined = Set<String>()
        for input in recipe.inputs where !defined.insert(input.name).inserted {
            problems.append(
                RecipeDiagnostic(code: "duplicate-id", message: "input name \(Excerpt.quoted(input.name)) is used twice", location: input.location)
            )
        }
        for step in recipe.steps {
            for source in step.sources where !defined.contains(source) {
                problems.append(
                    RecipeDiagnostic(
                        code: "unknown-reference",
                        message: "step \(Excerpt.quoted(step.id)) reads \(Excerpt.quoted(source)), which is not an input or an earlier step",
                        location: step.location
                    )
                )
            }
            if !defined.insert(step.id).inserted {
                problems.append(
                    RecipeDiagnostic(
                        code: "duplicate-id",
                        message: "step id \(Excerpt.quoted(step.id)) is already used by an input or another step",
                        location: step.location
                    )
                )
            }
        }
        var outputNames = Set<String>()
        for output in recipe.outputs where !outputNames.insert(output.name).inserted {
            problems.append(
                RecipeDiagnostic(code: "duplicate-id", message: "output name \(Excerpt.quoted(output.name)) is used twice", location: output.location)
            )
        }
        for output in recipe.outputs where !defined.contains(output.from) {
            problems.append(
                RecipeDiagnostic(
                    code: "unknown-reference",
                    message: "output \(Excerpt.quoted(output.name)) reads \(Excerpt.quoted(output.from)), which is not an input or a step id",
                    location: output.location
                )
            )
        }
        if !problems.isEmpty { throw RecipeError(problems) }
    }
}

extension Recipe {
    /// Steps by id; `Planner.checkShape` has made ids unique, and the first wins should it not have.
    var stepsByID: [String: RecipeStep] {
        Dictionary(steps.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
