import MixdownRecipe

/// Edits that cannot produce media with the inputs as probed. ffmpeg would accept them and write a file
/// with a header and no audio (or fail late, on a temporary path); the planner refuses them first, naming
/// the step, the window and the length it was cut from.
extension GraphModel {
    /// Checks trims and crossfades against the full-length durations (this model built without a preview).
    func checkFeasible(_ recipe: Recipe) throws(RecipeError) {
        var problems: [MixdownError] = []
        for step in recipe.steps {
            switch step.operation {
            case .trim(let trim):
                guard let source = step.sources.first, let length = durations[source] else { continue }
                let bounds = trim.bounds(within: length)
                if bounds.end - bounds.start <= 0 {
                    problems.append(
                        problem(
                            step,
                            "\(Self.window(of: trim)) leaves nothing of '\(source)', which lasts \(Self.seconds(length))",
                            parameter: step.argumentLocations["start"] != nil ? "start" : "end"
                        )
                    )
                }
            case .crossfade(let crossfade):
                if let problem = overlapProblem(step, overlap: crossfade.duration, parameter: "duration") { problems.append(problem) }
            case .concat(let concat):
                guard concat.crossfade > 0 else { continue }
                if let problem = overlapProblem(step, overlap: concat.crossfade, parameter: "crossfade") { problems.append(problem) }
            default:
                continue
            }
        }
        if !problems.isEmpty { throw RecipeError(problems) }
    }

    /// In a preview model: refuses a window that starts after every timed input has ended, which would
    /// render nothing at all.
    func checkPreview(_ preview: PreviewWindow, recipe: Recipe, fullLengths: [String: Double]) throws(RecipeError) {
        let timed = recipe.inputs.filter { $0.type == .audio && durations[$0.name] != nil }
        guard !timed.isEmpty, timed.allSatisfy({ (durations[$0.name] ?? 0) <= 0 }) else { return }
        let lengths = timed.map { input in "'\(input.name)' lasts \(fullLengths[input.name].map(Self.seconds) ?? "?")" }
        throw RecipeError([
            MixdownError(
                code: .emptyEdit,
                message: "the preview window (start \(Self.seconds(preview.start)), \(Self.seconds(preview.duration)) long) "
                    + "starts after every input has ended: \(lengths.joined(separator: ", "))",
                location: timed.first?.location
            )
        ])
    }

    /// acrossfade needs both sides at least as long as the overlap; the first track that is not.
    private func overlapProblem(_ step: RecipeStep, overlap: Double, parameter: String) -> MixdownError? {
        for source in step.sources {
            guard let length = durations[source], overlap > length else { continue }
            return problem(
                step,
                "a crossfade of \(Self.seconds(overlap)) is longer than '\(source)', which lasts \(Self.seconds(length))",
                parameter: parameter
            )
        }
        return nil
    }

    private func problem(_ step: RecipeStep, _ detail: String, parameter: String) -> MixdownError {
        MixdownError(
            code: .emptyEdit,
            message: "step '\(step.id)': \(detail)",
            location: step.argumentLocations[parameter] ?? step.location
        )
    }

    /// The trim as written, e.g. `trim (start 30s, end -2s)`.
    static func window(of trim: Trim) -> String {
        var parts: [String] = []
        if trim.start != 0 || (trim.end == nil && trim.duration == nil) { parts.append("start \(seconds(trim.start))") }
        if let end = trim.end { parts.append("end \(seconds(end))") }
        if let duration = trim.duration { parts.append("duration \(seconds(duration))") }
        return "trim (\(parts.joined(separator: ", ")))"
    }

    static func seconds(_ value: Double) -> String {
        FFmpegNumber.format(value, digits: 3) + "s"
    }
}
