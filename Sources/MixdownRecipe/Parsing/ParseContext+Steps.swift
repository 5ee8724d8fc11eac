internal import Yams

/// A step as written, before references are resolved and types checked.
struct WrittenStep {
    var id: String
    var isNamed: Bool
    /// Where the `id` value is written, for a named step.
    var idLocation: SourceLocation?
    var from: (name: String, location: SourceLocation)?
    var spec: OperationSpec
    var arguments: [String: ArgumentValue]
    var argumentLocations: [String: SourceLocation]
    /// References found in arguments, in parameter order, with where each was written.
    var references: [(parameter: String, name: String, location: SourceLocation)]
    var location: SourceLocation
    /// Its id repeats an earlier name (already a `duplicate-id` error): what it reads by default is that
    /// earlier name, so a "reads its own output" cycle here would only repeat the same mistake.
    var isDuplicate = false
}

extension ParseContext {
    static let stepKeys = ["id", "from"]

    func parseSteps(_ node: Node, inputs: [RecipeInput]) -> [WrittenStep] {
        guard case .sequence(let sequence) = node else {
            error(.badValue, "'steps' must be a list; start each step with '- '", at: node)
            return []
        }
        guard sequence.count <= options.maximumSteps else {
            // Checked before any step is read: every later phase (ordering, planning, the filter graph) grows with it.
            abandon(
                .tooManySteps,
                "the recipe has \(sequence.count) steps; the limit is \(options.maximumSteps)",
                at: location(node)
            )
            return []
        }
        var steps: [WrittenStep] = []
        var usedIds: Set<String> = Set(inputs.map(\.name))
        for (index, item) in sequence.enumerated() {
            guard spend(item) else { break }
            guard var step = parseStep(item, index: index) else { continue }
            if step.isNamed {
                if usedIds.contains(step.id) {
                    let clash = inputs.contains { $0.name == step.id } ? "an input" : "another step"
                    error(.duplicateId, "step id '\(step.id)' is already used by \(clash)", at: step.idLocation ?? step.location)
                    step.isDuplicate = true
                }
            } else {
                while usedIds.contains(step.id) { step.id += "_" }
            }
            usedIds.insert(step.id)
            steps.append(step)
        }
        return steps
    }

    private func parseStep(_ node: Node, index: Int) -> WrittenStep? {
        guard case .mapping(let mapping) = node else {
            error(.badStep, "a step is a mapping with one operation, e.g. '- highpass: { freq: 80 }'", at: node)
            return nil
        }
        var id: (text: String, location: SourceLocation)?
        var from: (String, SourceLocation)?
        // `spec` is nil for an unknown operation: it still counts as the step's, so no "no operation" error follows.
        var operation: (spec: OperationSpec?, key: Node, value: Node)?
        for (key, value) in mapping {
            guard spend(key), spend(value) else { return nil }
            guard let name = key.scalar?.string else {
                error(.badKey, "keys must be plain words", at: key)
                continue
            }
            switch name {
            case "id":
                if let text = scalarText(value, what: "'id'"), ParseContext.isIdentifier(text) {
                    id = (text, here(value))
                } else {
                    error(.badValue, "a step id must start with a letter and use letters, digits, '-' or '_'", at: value)
                }
            case "from":
                if let text = scalarText(value, what: "'from'") { from = (text, here(value)) }
            default:
                guard let spec = OperationCatalogue.operation(named: name) else {
                    error(
                        .unknownOperation,
                        "unknown operation \(Excerpt.quoted(name))",
                        at: key,
                        suggestion: Suggestion.closest(to: name, in: OperationCatalogue.names + ParseContext.stepKeys)
                    )
                    operation = operation ?? (nil, key, value)
                    continue
                }
                if let existing = operation?.spec {
                    error(
                        .twoOperations,
                        "a step holds exactly one operation; '\(existing.name)' and '\(name)' are both here: split them into two steps",
                        at: key
                    )
                    continue
                }
                operation = (spec, key, value)
            }
        }
        guard let operation else {
            error(
                .noOperation,
                "step \(index + 1) has no operation; known operations: \(OperationCatalogue.names.joined(separator: ", "))",
                at: node
            )
            return nil
        }
        guard let spec = operation.spec else { return nil }
        let parsed = parseArguments(spec, operation.value)
        return WrittenStep(
            id: id?.text ?? "step\(index + 1)",
            isNamed: id != nil,
            idLocation: id?.location,
            from: from.map { (name: $0.0, location: $0.1) },
            spec: spec,
            arguments: parsed.arguments,
            argumentLocations: parsed.locations,
            references: parsed.references,
            location: here(operation.key)
        )
    }

    struct ParsedArguments {
        var arguments: [String: ArgumentValue] = [:]
        var locations: [String: SourceLocation] = [:]
        var references: [(parameter: String, name: String, location: SourceLocation)] = []
    }

    private func parseArguments(_ spec: OperationSpec, _ node: Node) -> ParsedArguments {
        var result = ParsedArguments()
        var written: [(ParameterSpec, Node)] = []
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                guard spend(key), spend(value) else { return result }
                guard let name = key.scalar?.string, let parameter = spec.parameter(named: name) else {
                    let name = key.scalar?.string ?? "?"
                    let known = spec.parameters.map(\.name)
                    error(
                        .unknownParameter,
                        "'\(spec.name)' has no parameter \(Excerpt.quoted(name))"
                            + (known.isEmpty ? " (it takes none)" : "; it takes \(known.joined(separator: ", "))"),
                        at: key,
                        suggestion: Suggestion.closest(to: name, in: known)
                    )
                    continue
                }
                written.append((parameter, value))
            }
        case _ where node.isNull:
            break
        default:
            guard let shorthand = spec.shorthand, let parameter = spec.parameter(named: shorthand) else {
                error(.badArguments, "'\(spec.name)' takes a mapping of parameters, e.g. \(spec.example)", at: node)
                return result
            }
            written.append((parameter, node))
        }
        for (parameter, value) in written {
            guard let parsed = parseValue(value, for: parameter, name: "'\(spec.name).\(parameter.name)'") else { continue }
            result.arguments[parameter.name] = parsed
            let where_ = here(value)
            result.locations[parameter.name] = where_
            switch parsed {
            case .reference(let name): result.references.append((parameter.name, name, where_))
            case .references(let names): result.references += names.map { (parameter.name, $0, where_) }
            default: break
            }
        }
        for parameter in spec.parameters where parameter.isRequired && result.arguments[parameter.name] == nil {
            if !written.contains(where: { $0.0.name == parameter.name }) {
                error(.missingParameter, "'\(spec.name)' needs '\(parameter.name)', e.g. \(spec.example)", at: node)
            }
        }
        if !spec.requiresOneOf.isEmpty, !spec.requiresOneOf.contains(where: { name in written.contains { $0.0.name == name } }) {
            error(
                .missingParameter,
                "'\(spec.name)' needs at least one of \(spec.requiresOneOf.joined(separator: ", ")), e.g. \(spec.example)",
                at: node
            )
        }
        checkOperationRules(spec, result, node)
        return result
    }

    /// Rules that span parameters, or bound a value more tightly than its range says.
    private func checkOperationRules(_ spec: OperationSpec, _ parsed: ParsedArguments, _ node: Node) {
        let arguments = parsed.arguments
        switch spec.kind {
        case .trim:
            if arguments["end"] != nil && arguments["duration"] != nil {
                error(.conflictingParameters, "'trim' takes 'end' or 'duration', not both", at: parsed.locations["duration"])
            }
            if let start = arguments["start"]?.number, let end = arguments["end"]?.number, end >= 0, end <= start {
                error(.badValue, "'trim.end' (\(format(end))s) must be after 'start' (\(format(start))s)", at: parsed.locations["end"])
            }
            // atrim reads duration=0 as "no limit": keeping nothing must be said some other way.
            if let duration = arguments["duration"]?.number, duration <= 0 {
                error(.badValue, "'trim.duration' must be more than 0", at: parsed.locations["duration"])
            }
        case .loop:
            // aloop runs forever and the trim after it ends it; a trim of 0 would never end.
            if let target = arguments["to"]?.number, target <= 0 {
                error(.badValue, "'loop.to' must be more than 0", at: parsed.locations["to"])
            }
        case .captions:
            // A recipe reads files beside itself only: never an absolute path, never out through '..'.
            if let path = arguments["srt"]?.string, path.hasPrefix("/") || path.split(separator: "/").contains("..") || path.contains("\\") {
                error(
                    .badValue,
                    "'captions.srt' must be a path inside the recipe's folder, without '/' at the start or '..'",
                    at: parsed.locations["srt"]
                )
            }
        case .mix:
            if case .numbers(let weights)? = arguments["weights"], case .references(let tracks)? = arguments["tracks"], weights.count != tracks.count
            {
                error(.badValue, "'mix.weights' has \(weights.count) weights for \(tracks.count) tracks", at: parsed.locations["weights"])
            }
        default: break
        }
        _ = node
    }
}
