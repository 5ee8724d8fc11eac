import MixdownRecipe

extension GraphCompiler {
    /// The nodes that must be computed once per read instead of split: those both sides of an
    /// `acrossfade` descend from.
    ///
    /// ffmpeg 5.1's `acrossfade` reads all of its first input before its second. Fed two copies of one
    /// `asplit`, it gives back only part of the first and ends (a track crossfaded into itself lasted
    /// 3.5 s instead of 7.5). Reading each side from its own decoder, through its own copy of the steps
    /// between, makes the two sides independent streams, which it joins correctly.
    static func nodesReadPerUse(steps: [String: RecipeStep], needed: Set<String>, stopAt replacements: Set<String>) -> Set<String> {
        var ancestry: [String: Set<String>] = [:]
        func ancestors(of name: String) -> Set<String> {
            if let known = ancestry[name] { return known }
            var found: Set<String> = [name]
            // Iterative, so a long chain of steps cannot exhaust the stack.
            var stack = [name]
            while let next = stack.popLast() {
                guard !replacements.contains(next), let step = steps[next] else { continue }
                for source in step.sources where found.insert(source).inserted { stack.append(source) }
            }
            ancestry[name] = found
            return found
        }
        var shared: Set<String> = []
        for name in needed {
            guard let step = steps[name], !replacements.contains(name), let sides = fadeJoinSides(step) else { continue }
            for (left, right) in sides {
                let leftAncestors = left.reduce(into: Set<String>()) { $0.formUnion(ancestors(of: $1)) }
                shared.formUnion(leftAncestors.intersection(ancestors(of: right)))
            }
        }
        return shared
    }

    /// The most streams computed once per use in one process: each is a decoder or a chain of filters
    /// more, and nested crossfades of crossfades multiply them.
    static let maximumPerUseCopies = 32

    static func tooManyCopies(_ copies: Int, recipe: Recipe, perUse: Set<String>) -> RecipeError {
        let join = recipe.steps.first { step in fadeJoinSides(step) != nil && step.sources.contains(where: perUse.contains) }
        return RecipeError([
            MixdownError(
                code: .tooComplex,
                message: "crossfading a track with itself here needs \(copies) separate reads of it (at most \(maximumPerUseCopies)); "
                    + "write the repeated part as its own output and crossfade that file",
                location: join?.location
            )
        ])
    }

    /// A stage's piped input cannot be read twice, so a crossfade of it with itself after a measured
    /// stage (a two-pass loudness step before it) has no plan.
    static func pipeReadTwice(_ name: String, recipe: Recipe) -> RecipeError {
        let location = recipe.steps.first { $0.id == name }?.location ?? recipe.inputs.first { $0.name == name }?.location
        return RecipeError([
            MixdownError(
                code: .badStep,
                message: "'\(name)' reaches both sides of a crossfade after a measured stage, which streams it once; "
                    + "crossfade two separate reads of the input, or measure after the crossfade",
                location: location
            )
        ])
    }

    /// For a step that joins tracks with `acrossfade`, each join's tracks before it and the track it adds.
    private static func fadeJoinSides(_ step: RecipeStep) -> [(left: [String], right: String)]? {
        switch step.operation {
        case .crossfade(let crossfade) where crossfade.duration > 0 && step.sources.count >= 2:
            return [([step.sources[0]], step.sources[1])]
        case .concat(let concat) where concat.crossfade > 0 && step.sources.count >= 2:
            return (1..<step.sources.count).map { (Array(step.sources[..<$0]), step.sources[$0]) }
        default:
            return nil
        }
    }
}
