import MixdownRecipe

/// Writes one ffmpeg invocation: inputs, one `-filter_complex`, and a `-map` group per target.
///
/// Nodes are emitted only when a target needs them; a node read more than once goes through
/// `asplit`/`split`, so every input is decoded once and every step runs once, except where a crossfade
/// joins two reads of one node (see ``nodesReadPerUse(steps:needed:stopAt:)``).
struct GraphCompiler {
    enum Target {
        case output(RecipeOutput)
        /// A node's audio written as float WAV for a later stage; optionally measured on the way.
        case work(node: String, file: String, measure: GainMeasurement?)
        /// A node's audio streamed as float PCM in NUT to the next process.
        case pipe(node: String)
        /// A node's audio as float WAV on standard output for the executor's meter: the `expect` of outputs
        /// that encode it unconverted, measured with no second decode.
        case meter(node: String)
    }

    enum External {
        case pipe
        case work(file: String)
    }

    struct Labels {
        var audio: String?
        var video: String?
    }

    let recipe: Recipe
    let inputs: [String: PlanInput]
    let model: GraphModel
    let preview: PreviewWindow?
    /// Inputs whose leading trim became an input seek in preview mode: input -> trim start.
    let foldedTrimStarts: [String: Double]
    let options: Planner.Options

    /// The ffmpeg arguments for the targets, reading `replacements` from outside instead of computing them.
    func compile(targets: [Target], replacements: [String: External], gainPlaceholders: Set<String>) throws(RecipeError) -> [String] {
        var state = State()
        let steps = recipe.stepsByID

        // 1. Which nodes are needed, and how many times each is read. A node both sides of a crossfade
        // descend from is computed once per read (see nodesReadPerUse); any other is computed once and split.
        var visited = Set<String>()
        var stack: [String] = targets.map(\.node)
        while let name = stack.popLast() {
            guard visited.insert(name).inserted, replacements[name] == nil, let step = steps[name] else { continue }
            stack += step.sources
        }
        let perUse = Self.nodesReadPerUse(steps: steps, needed: visited, stopAt: Set(replacements.keys))
        var uses: [String: Int] = [:]
        for target in targets { uses[target.node, default: 0] += 1 }
        // Steps come in dependency order, so walking them backwards meets every reader before what it reads.
        for step in recipe.steps.reversed() where visited.contains(step.id) && replacements[step.id] == nil {
            let instances = perUse.contains(step.id) ? uses[step.id] ?? 0 : 1
            // Saturated: nested joins multiply the counts, and the cap below refuses the plan anyway.
            for source in step.sources { uses[source] = min((uses[source] ?? 0) + instances, 1 << 20) }
        }
        // Copies multiply through nested crossfades of crossfades: bounded, or a short recipe could ask for
        // millions of decoders.
        let copies = perUse.reduce(0) { min($0 + (uses[$1] ?? 0), 1 << 30) }
        if copies > Self.maximumPerUseCopies { throw Self.tooManyCopies(copies, recipe: recipe, perUse: perUse) }

        // 2. Inputs and external sources, then steps in dependency order.
        for input in recipe.inputs where visited.contains(input.name) && replacements[input.name] == nil {
            if perUse.contains(input.name), input.type == .audio {
                var copies: [Labels] = []
                for _ in 0..<(uses[input.name] ?? 0) { copies.append(try inputLabels(input, &state)) }
                state.available[input.name] = copies
                continue
            }
            let labels = try inputLabels(input, &state)
            state.define(input.name, labels: labels, uses: uses[input.name] ?? 0)
        }
        for (name, external) in replacements.sorted(by: { $0.key < $1.key }) where visited.contains(name) {
            let copies = perUse.contains(name) ? uses[name] ?? 0 : 1
            var labels: [Labels] = []
            for _ in 0..<copies {
                let index = state.inputs.count
                switch external {
                case .pipe:
                    guard labels.isEmpty else { throw Self.pipeReadTwice(name, recipe: recipe) }
                    state.inputs.append(["-f", "nut", "-i", "pipe:0"])
                case .work(let file): state.inputs.append(["-i", "{{work:\(file)}}"])
                }
                labels.append(Labels(audio: "\(index):a"))
            }
            if copies > 1 {
                state.available[name] = labels
            } else {
                state.define(name, labels: labels.first ?? Labels(), uses: uses[name] ?? 0)
            }
        }
        for step in recipe.steps where visited.contains(step.id) && replacements[step.id] == nil {
            let instances = perUse.contains(step.id) ? uses[step.id] ?? 0 : 1
            var copies: [Labels] = []
            for _ in 0..<instances {
                let sources = step.sources.map { state.take($0) }
                copies.append(try compileStep(step, sources: sources, gainPlaceholder: gainPlaceholders.contains(step.id), state: &state))
            }
            if perUse.contains(step.id) {
                state.available[step.id] = copies
            } else {
                state.define(step.id, labels: copies.first ?? Labels(), uses: uses[step.id] ?? 0)
            }
        }

        // 3. Targets.
        var mappings: [String] = []
        for target in targets {
            let labels = state.take(target.node)
            switch target {
            case .output(let output):
                mappings += try map(labels, for: output, state: &state)
                mappings += OutputEncoding.arguments(
                    for: output,
                    preview: preview != nil,
                    sourceRate: model.rates[target.node],
                    video: options.videoEncoding(for: recipe).encoder
                )
                if let preview { mappings += ["-t", FFmpegNumber.format(preview.duration)] }
                mappings.append("{{output:\(output.name)}}")
            case .work(_, let file, let measure):
                var audio = labels.audio ?? ""
                if measure != nil {
                    // The same float PCM goes to the work file and, as WAV on standard output, to the
                    // executor's meter (libebur128): measuring costs no second decode.
                    let kept = state.label(), measured = state.label()
                    state.chains.append("[\(audio)]asplit=2[\(kept)][\(measured)]")
                    audio = kept
                    mappings += ["-map", Self.mapSpecifier(measured)] + Self.meterWAV
                }
                mappings += ["-map", Self.mapSpecifier(audio), "-c:a", "pcm_f32le", "-rf64", "auto", "-f", "wav", "{{work:\(file)}}"]
            case .pipe:
                mappings += ["-map", Self.mapSpecifier(labels.audio ?? ""), "-c:a", "pcm_f32le", "-f", "nut", "pipe:1"]
            case .meter:
                mappings += ["-map", Self.mapSpecifier(labels.audio ?? "")] + Self.meterWAV
            }
        }

        var arguments = ["-hide_banner", "-nostdin", "-y"]
        for input in state.inputs { arguments += input }
        if !state.chains.isEmpty { arguments += ["-filter_complex", state.chains.joined(separator: ";\n")] }
        return arguments + mappings
    }

    /// Float WAV on standard output for the meter, with no tags: a LIST chunk past 32 KiB (long tags)
    /// cannot have its size written on a pipe, so the meter could not find the samples.
    static let meterWAV = ["-map_metadata", "-1", "-fflags", "+bitexact", "-c:a", "pcm_f32le", "-f", "wav", "pipe:1"]

    // MARK: Inputs

    private func inputLabels(_ input: RecipeInput, _ state: inout State) throws(RecipeError) -> Labels {
        guard let planned = inputs[input.name] else {
            throw RecipeError([
                MixdownError(code: .unresolvedInput, message: "input '\(input.name)' was not resolved to a file", location: input.location)
            ])
        }
        let index = state.inputs.count
        var options: [String] = []
        if input.type == .image {
            // The image loops at the frame rate of the visualisation it is the background of.
            let fps =
                recipe.steps.lazy.compactMap { step -> Int? in
                    guard case .visualize(let visualize) = step.operation, visualize.background == .image(input.name) else { return nil }
                    return visualize.fps
                }.first ?? OperationArguments(.visualize).integer("fps")
            options += ["-loop", "1", "-framerate", String(OperationKind.visualize.bounded(fps, "fps"))]
            state.inputs.append(options + ["-i", planned.path])
            return Labels(video: "\(index):v")
        }
        guard planned.facts.hasAudio else {
            throw RecipeError([MixdownError(code: .noAudio, message: "input '\(input.name)' has no audio stream", location: input.location)])
        }
        if let preview {
            let start = (foldedTrimStarts[input.name] ?? 0) + preview.start
            options += ["-ss", FFmpegNumber.format(start), "-t", FFmpegNumber.format(model.durations[input.name] ?? preview.duration)]
        }
        state.inputs.append(options + ["-i", planned.path])
        // Each input keeps its own rate; only the steps that join tracks bring them together.
        return Labels(audio: "\(index):a")
    }

    private func map(_ labels: Labels, for output: RecipeOutput, state: inout State) throws(RecipeError) -> [String] {
        var arguments: [String] = []
        if let video = labels.video, output.format.accepts.contains(.video) || output.format.accepts.contains(.image) {
            arguments += ["-map", Self.mapSpecifier(video)]
        }
        if let audio = labels.audio, output.format != .png {
            arguments += ["-map", Self.mapSpecifier(audio)]
        } else if let audio = labels.audio {
            // A still image has no soundtrack; the audio branch still has to be consumed.
            state.chains.append("[\(audio)]anullsink")
        }
        return arguments
    }

    /// `-map` takes a filter output as `[label]` but an untouched input stream as `0:a`.
    static func mapSpecifier(_ label: String) -> String {
        label.contains(":") ? label : "[\(label)]"
    }

    // MARK: State

    struct State {
        var inputs: [[String]] = []
        var chains: [String] = []
        var available: [String: [Labels]] = [:]
        var counter = 0

        mutating func label() -> String {
            counter += 1
            return "n\(counter)"
        }

        /// Makes `uses` copies of a node's streams, splitting when read more than once.
        mutating func define(_ name: String, labels: Labels, uses: Int) {
            guard uses > 1 else {
                available[name] = [labels]
                return
            }
            var copies = [Labels](repeating: Labels(), count: uses)
            if let audio = labels.audio {
                let outs = (0..<uses).map { _ in label() }
                chains.append("[\(audio)]asplit=\(uses)" + outs.map { "[\($0)]" }.joined())
                for index in 0..<uses { copies[index].audio = outs[index] }
            }
            if let video = labels.video {
                let outs = (0..<uses).map { _ in label() }
                chains.append("[\(video)]split=\(uses)" + outs.map { "[\($0)]" }.joined())
                for index in 0..<uses { copies[index].video = outs[index] }
            }
            available[name] = copies
        }

        mutating func take(_ name: String) -> Labels {
            available[name]?.popLast() ?? Labels()
        }
    }
}

extension GraphCompiler.Target {
    var node: String {
        switch self {
        case .output(let output): output.from
        case .work(let node, _, _), .pipe(let node), .meter(let node): node
        }
    }
}
