import MixdownRecipe

extension Planner {
    /// What the planner relies on in a recipe, checked again here because a `Recipe` can also be built or
    /// decoded without the parser: unique names, steps after what they read, known references, a bounded
    /// step count, and a preview window within range. Each failure is a diagnostic, never a trap.
    static func checkShape(_ recipe: Recipe, preview: PreviewWindow?) throws(RecipeError) {
        var problems: [MixdownError] = []
        if let problem = preview?.problem {
            problems.append(MixdownError(code: .badPreview, message: problem, location: nil))
        }
        if recipe.steps.count > RecipeParser.defaultMaximumSteps {
            problems.append(
                MixdownError(
                    code: .tooManySteps,
                    message: "the recipe has \(recipe.steps.count) steps; the limit is \(RecipeParser.defaultMaximumSteps)",
                    location: recipe.steps.first?.location
                )
            )
            throw RecipeError(problems)
        }
        var defined = Set<String>()
        for input in recipe.inputs where !defined.insert(input.name).inserted {
            problems.append(
                MixdownError(code: .duplicateId, message: "input name \(Excerpt.quoted(input.name)) is used twice", location: input.location)
            )
        }
        for step in recipe.steps {
            for source in step.sources where !defined.contains(source) {
                problems.append(
                    MixdownError(
                        code: .unknownReference,
                        message: "step \(Excerpt.quoted(step.id)) reads \(Excerpt.quoted(source)), which is not an input or an earlier step",
                        location: step.location
                    )
                )
            }
            if !defined.insert(step.id).inserted {
                problems.append(
                    MixdownError(
                        code: .duplicateId,
                        message: "step id \(Excerpt.quoted(step.id)) is already used by an input or another step",
                        location: step.location
                    )
                )
            }
        }
        var outputNames = Set<String>()
        for output in recipe.outputs where !outputNames.insert(output.name).inserted {
            problems.append(
                MixdownError(code: .duplicateId, message: "output name \(Excerpt.quoted(output.name)) is used twice", location: output.location)
            )
        }
        for output in recipe.outputs where !defined.contains(output.from) {
            problems.append(
                MixdownError(
                    code: .unknownReference,
                    message: "output \(Excerpt.quoted(output.name)) reads \(Excerpt.quoted(output.from)), which is not an input or a step id",
                    location: output.location
                )
            )
        }
        if !problems.isEmpty { throw RecipeError(problems) }
    }
}

extension Planner {
    /// Refuses outputs the model says would last longer than ``Options/maximumOutputDuration`` (a `loop` to
    /// 100 hours, a thousand loops of a long input): each is a `too-long` diagnostic at the output. A data
    /// output is judged by the audio it reads, which the plan writes to a work file.
    func checkOutputLengths(_ recipe: Recipe, model: GraphModel) throws(RecipeError) {
        let limit = options.maximumOutputDuration
        let steps = recipe.stepsByID
        var problems: [MixdownError] = []
        for output in recipe.outputs {
            let node = steps[output.from].flatMap { $0.output == .data ? $0.sources.first : nil } ?? output.from
            guard let length = model.durations[node], length > limit else { continue }
            problems.append(
                MixdownError(
                    code: .tooLong,
                    message: "output \(Excerpt.quoted(output.name)) would last \(Self.spoken(length)); the limit is \(Self.spoken(limit))",
                    location: output.location
                )
            )
        }
        if !problems.isEmpty { throw RecipeError(problems) }
    }

    /// `500h (1800000s)`, `6h30m (23400s)`, `90s`: a length a person can read, with the exact seconds.
    static func spoken(_ seconds: Double) -> String {
        let exact = FFmpegNumber.format(seconds, digits: 3) + "s"
        guard seconds >= 60, seconds < 1e12 else { return exact }
        let whole = Int(seconds.rounded())
        let (hours, minutes, rest) = (whole / 3600, whole % 3600 / 60, whole % 60)
        var parts = ""
        if hours > 0 { parts += "\(hours)h" }
        if minutes > 0 { parts += "\(minutes)m" }
        if rest > 0 { parts += "\(rest)s" }
        return "\(parts) (\(exact))"
    }
}

extension Recipe {
    /// Steps by id; `Planner.checkShape` has made ids unique, and the first wins should it not have.
    var stepsByID: [String: RecipeStep] {
        Dictionary(steps.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
