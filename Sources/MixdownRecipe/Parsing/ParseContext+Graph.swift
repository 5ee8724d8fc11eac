internal import Yams

extension ParseContext {
    /// Resolves references, orders steps so each follows what it reads, rejects cycles and checks stream types.
    func orderAndType(_ written: [WrittenStep], inputs: [RecipeInput]) -> [RecipeStep] {
        let inputNames = Set(inputs.map(\.name))
        let stepIndex = Dictionary(written.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        let allNames = Array(inputNames) + written.map(\.id)
        func known(_ name: String) -> Bool { inputNames.contains(name) || stepIndex[name] != nil }

        // 1. Sources of each step, with where each was named.
        var sources: [[(name: String, location: SourceLocation)]] = []
        var arguments: [[String: ArgumentValue]] = written.map(\.arguments)
        for (index, step) in written.enumerated() {
            var list: [(name: String, location: SourceLocation)] = []
            if step.spec.input != nil {
                if let audio = step.references.first(where: { $0.parameter == "audio" }) {
                    if step.from != nil {
                        error(.conflictingParameters, "'visualize' takes its audio from 'from' or 'audio', not both", at: audio.location)
                    }
                    list.append((audio.name, audio.location))
                } else if let from = step.from {
                    list.append(from)
                } else if index > 0 {
                    list.append((written[index - 1].id, step.location))
                } else if inputs.count == 1 {
                    list.append((inputs[0].name, step.location))
                } else {
                    error(
                        .missingFrom,
                        "the first step has no 'from' and the recipe has \(inputs.count) inputs; name one with 'from: NAME'",
                        at: step.location
                    )
                }
            } else if let from = step.from {
                error(.unexpectedFrom, "'\(step.spec.name)' reads the tracks named in its arguments; remove 'from'", at: from.location)
            }
            for reference in step.references where reference.parameter != "audio" {
                list.append((reference.name, reference.location))
            }
            // A background names an image input when it names anything; otherwise it is a colour.
            if case .string(let text)? = step.arguments["background"], let where_ = step.argumentLocations["background"] {
                if known(text) {
                    arguments[index]["background"] = .reference(text)
                    list.append((text, where_))
                } else if !ParseContext.isColor(text) {
                    error(
                        .badValue,
                        "'visualize.background': \(Excerpt.quoted(text)) is neither a colour nor an input name",
                        at: where_,
                        suggestion: Suggestion.closest(to: text, in: allNames)
                    )
                }
            }
            for source in list where !known(source.name) {
                error(
                    .unknownReference,
                    "\(Excerpt.quoted(source.name)) is not an input or a step id",
                    at: source.location,
                    suggestion: Suggestion.closest(to: source.name, in: allNames)
                )
            }
            if let own = list.first(where: { $0.name == step.id }), !step.isDuplicate {
                error(.cycle, "step '\(step.id)' reads its own output", at: own.location)
            }
            sources.append(list.filter { known($0.name) && $0.name != step.id })
        }

        // 2. Topological order (Kahn), keeping the written order among independent steps.
        var pending = written.indices.map { index in Set(sources[index].compactMap { stepIndex[$0.name] }) }
        var order: [Int] = []
        var placed = Set<Int>()
        while order.count < written.count {
            guard let next = written.indices.first(where: { !placed.contains($0) && pending[$0].isSubset(of: placed) }) else { break }
            order.append(next)
            placed.insert(next)
        }
        if order.count < written.count {
            let stuck = written.indices.filter { !placed.contains($0) }
            let cycle = findCycle(among: Set(stuck), sources: sources, stepIndex: stepIndex)
            let names = cycle.map { written[$0].id }
            let site = (cycle.first ?? stuck.first).map { first in
                sources[first].first { stepIndex[$0.name].map(cycle.contains) ?? false }?.location ?? written[first].location
            }
            error(.cycle, "steps form a cycle: \((names + [names.first ?? ""]).joined(separator: " -> "))", at: site)
            order += stuck
        }
        pending.removeAll()

        // 3. Types, in dependency order.
        // Names may repeat in a recipe that is already invalid (a `duplicate-id`); the first one wins.
        var types: [String: StreamType] = Dictionary(inputs.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
        var steps: [RecipeStep] = []
        for index in order {
            let step = written[index]
            let list = sources[index]
            for (position, source) in list.enumerated() {
                guard let actual = types[source.name] else { continue }
                let parameter = parameterNaming(source.name, in: step, at: source.location, position: position)
                let expected: Set<StreamType>? =
                    parameter.map { step.spec.referenceTypes[$0] ?? [] } ?? step.spec.input.map { [$0] }
                if let expected, !expected.isEmpty, !expected.contains(actual) {
                    let what = parameter.map { "'\(step.spec.name).\($0)'" } ?? "'\(step.spec.name)'"
                    let want = expected.map(\.rawValue).sorted().joined(separator: " or ")
                    error(
                        .typeMismatch,
                        "\(what) takes \(want), but \(Excerpt.quoted(source.name)) is \(actual)"
                            + (actual == .data ? " (name the audio step with 'from')" : ""),
                        at: source.location
                    )
                }
            }
            types[step.id] = step.spec.output
            steps.append(
                RecipeStep(
                    id: step.id,
                    operation: Operation(step.spec.kind, arguments[index]),
                    sources: list.map(\.name),
                    output: step.spec.output,
                    location: step.location,
                    argumentLocations: step.argumentLocations
                )
            )
        }
        return steps
    }

    /// The argument a source came from, or nil when it is the step's `from` (or implied input).
    private func parameterNaming(_ name: String, in step: WrittenStep, at location: SourceLocation, position: Int) -> String? {
        if let reference = step.references.first(where: { $0.name == name && $0.location == location }) {
            return reference.parameter == "audio" ? nil : reference.parameter
        }
        if step.argumentLocations["background"] == location { return "background" }
        return nil
    }

    private func findCycle(among stuck: Set<Int>, sources: [[(name: String, location: SourceLocation)]], stepIndex: [String: Int]) -> [Int] {
        // Walk predecessors from any stuck step; within a stuck set every step has a stuck predecessor.
        guard var current = stuck.min() else { return [] }
        var path: [Int] = []
        var seen: [Int: Int] = [:]
        while seen[current] == nil {
            seen[current] = path.count
            path.append(current)
            guard let next = sources[current].compactMap({ stepIndex[$0.name] }).first(where: stuck.contains) else { return path }
            current = next
        }
        guard let start = seen[current] else { return path }
        return Array(path[start...].reversed())
    }
}
