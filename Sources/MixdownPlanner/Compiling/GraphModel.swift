import MixdownRecipe

/// Facts the planner derives for every node (input or step) before writing any filter: how long it
/// lasts and at what sample rate its audio runs. Filters such as `afade` out, `aloop` and negative
/// `trim.end` need these numbers written into the graph.
struct GraphModel {
    /// The longest any node may last, in seconds (31 days): past it, sample counts and ffmpeg's
    /// timestamps stop being meaningful, and a loop of loops could otherwise reach infinity.
    static let maximumDuration: Double = 31 * 86_400

    /// Operations that join tracks: they run at the highest rate and widest layout among their sources.
    static let joins: Set<OperationKind> = [.concat, .crossfade, .mix, .duck]

    var durations: [String: Double] = [:]
    /// Every node's sample rate: an input keeps its own; a join takes the highest of its sources.
    var rates: [String: Int] = [:]
    /// Every node's channel count, likewise.
    var channels: [String: Int] = [:]
    /// Nodes whose channel count is a guess: ffprobe gave none for an input they come from (or more than
    /// the 8 held to). Only meters care: they must know what the encoder is given.
    var guessedChannels: Set<String> = []
    /// The rate of a node whose rate is unknown (an input ffprobe gave none for).
    var workingRate: Int

    init(recipe: Recipe, inputs: [String: PlanInput], preview: PreviewWindow?, foldedTrims: [String: Double]) throws(RecipeError) {
        // The first audio input that was resolved: an unused one is never probed.
        let firstAudio = recipe.inputs.first { $0.type == .audio && inputs[$0.name] != nil }.flatMap { inputs[$0.name]?.facts.sampleRate }
        workingRate = firstAudio ?? 48_000
        for input in recipe.inputs {
            // ffprobe's numbers, held to what ffmpeg's filters accept.
            rates[input.name] = inputs[input.name]?.facts.sampleRate.map { min(max($0, 1_000), 768_000) } ?? workingRate
            channels[input.name] = inputs[input.name]?.facts.channels.map { min(max($0, 1), 8) } ?? 2
            if !(1...8).contains(inputs[input.name]?.facts.channels ?? 0) { guessedChannels.insert(input.name) }
            // ffprobe's number is trusted only when it is a real length.
            guard var duration = inputs[input.name]?.facts.duration, duration.isFinite, duration >= 0 else { continue }
            if let preview {
                let available = (foldedTrims[input.name] ?? duration) - preview.start
                duration = max(0, min(preview.duration, available))
            } else if let length = foldedTrims[input.name] {
                duration = length
            }
            durations[input.name] = duration
        }
        for step in recipe.steps {
            rates[step.id] = rate(of: step)
            channels[step.id] = channelCount(of: step)
            var setsChannels = false
            if case .resample(let resample) = step.operation { setsChannels = resample.channels != nil }
            if !setsChannels, step.sources.contains(where: guessedChannels.contains) { guessedChannels.insert(step.id) }
            let length = try duration(of: step)
            if let length, !(length.isFinite && length <= Self.maximumDuration) {
                throw RecipeError([
                    MixdownError(
                        code: .tooLong,
                        message: "step '\(step.id)' would last longer than \(Int(Self.maximumDuration / 86_400)) days",
                        location: step.location
                    )
                ])
            }
            durations[step.id] = length.map { max(0, $0) }
        }
    }

    private func rate(of step: RecipeStep) -> Int {
        if case .resample(let resample) = step.operation, let rate = resample.rate { return OperationKind.resample.bounded(rate, "rate") }
        if Self.joins.contains(step.operation.kind), let highest = step.sources.compactMap({ rates[$0] }).max() { return highest }
        return step.sources.first.flatMap { rates[$0] } ?? workingRate
    }

    private func channelCount(of step: RecipeStep) -> Int {
        if case .resample(let resample) = step.operation, let count = resample.channels { return OperationKind.resample.bounded(count, "channels") }
        if Self.joins.contains(step.operation.kind), let widest = step.sources.compactMap({ channels[$0] }).max() { return widest }
        return step.sources.first.flatMap { channels[$0] } ?? 2
    }

    private func duration(of step: RecipeStep) throws(RecipeError) -> Double? {
        let source = step.sources.first.flatMap { durations[$0] }
        let all = step.sources.map { durations[$0] }
        switch step.operation {
        case .trim(let trim):
            guard let source else { return trim.duration }
            let bounds = trim.bounds(within: source)
            return bounds.end - bounds.start
        case .speed(let speed): return source.map { $0 / max(speed.factor, 0.25) }
        case .pad(let pad): return source.map { $0 + (pad.start ?? 0) + (pad.end ?? 0) }
        case .loop(let loop):
            if let target = loop.length { return target }
            return source.map { $0 * Double(loop.count ?? 1) }
        case .concat(let concat):
            guard all.allSatisfy({ $0 != nil }) else { return nil }
            return all.compactMap { $0 }.reduce(0, +) - concat.crossfade * Double(all.count - 1)
        case .crossfade(let crossfade):
            guard let first = all.first ?? nil, let second = all.last ?? nil else { return nil }
            return first + second - crossfade.duration
        case .mix(let mix):
            let known = all.compactMap { $0 }
            switch mix.length {
            case .first: return all.first ?? nil
            case .shortest: return known.min()
            case .longest: return known.count == all.count ? known.max() : nil
            }
        case .trimSilence:
            // Unknown until run; the source length is an upper bound good enough for progress.
            return source
        case .fade, .gain, .loudnorm, .normalize, .highpass, .lowpass, .eq, .compress, .limit, .denoise, .resample, .duck, .visualize, .title,
            .captions, .analyze, .peaks:
            return source
        }
    }

    /// A duration the graph must know to write a filter; a clear error when a step before it made it unknowable.
    func requireDuration(of name: String, for step: RecipeStep, parameter: String) throws(RecipeError) -> Double {
        guard let duration = durations[name] else {
            throw RecipeError([
                MixdownError(
                    code: .unknownDuration,
                    message:
                        "'\(step.operation.name).\(parameter)' needs the length of '\(name)', which is unknown here (after trim_silence, or a still image)",
                    location: step.argumentLocations[parameter] ?? step.location
                )
            ])
        }
        return duration
    }
}

extension Trim {
    /// Where the trim starts and ends inside a stream of `length` seconds: `end` may count back from the end,
    /// `duration` counts from `start`, and neither passes the stream's end. `end` is never before `start`.
    func bounds(within length: Double) -> (start: Double, end: Double) {
        let start = min(max(self.start, 0), length)
        var end = length
        if let written = self.end { end = written < 0 ? length + written : min(written, length) }
        if let duration { end = min(length, start + duration) }
        return (start, max(start, end))
    }
}
