public import MixdownRecipe

/// Compiles a validated recipe into stages of ffmpeg processes.
///
/// Strategy, in order:
/// 1. Steps that need a measurement (`loudnorm`, two-pass by default, and `normalize`) split the graph: one stage computes
///    the step's source once, writes it to a work file and measures it in the same pass (libebur128, on a pipe); a later
///    stage reads the work file and applies the measured gain. Nothing before the measurement runs twice.
/// 2. Everything else runs as one ffmpeg process with one `-filter_complex`.
/// 3. ffmpeg runs a filter graph on one core; when a single-pass `loudnorm` sits after heavy filters, the
///    graph is cut before it and the two halves run as two processes joined by a pipe of float PCM.
/// 4. `analyze` and `peaks` read a work file the main stage writes alongside the outputs, or, for an input
///    measured as it is, the input file itself.
public struct Planner: Sendable {
    public struct Options: Sendable {
        public var preview: PreviewWindow?
        /// Folder that relative paths in the recipe (captions) are resolved against.
        public var recipeDirectory: String
        /// A TrueType font for `title`; nil lets fontconfig choose.
        public var fontFile: String?
        /// Allow the two-process pipe split (off for plans meant to be read as one command).
        public var allowPipeSplit: Bool
        /// The longest any output may last, in seconds, as the planner models it from the probed inputs: a longer
        /// output fails the plan with `too-long`, naming the output, its planned length and this limit.
        /// Defaults to ``defaultMaximumOutputDuration``.
        public var maximumOutputDuration: Double
        /// The device a render recipe that names none gets (`MIXDOWN_RENDER_DEVICE`).
        public var renderDevice: RenderDevice
        /// Whether h264_nvenc encodes on the machine the plan runs on (``VideoEncoding/choose(_:nvencWorks:)``).
        public var nvencWorks: Bool

        /// Six hours: longer than any edit the service is for, short enough that a `loop` cannot fill a disk.
        public static let defaultMaximumOutputDuration: Double = 6 * 3600

        public init(
            preview: PreviewWindow? = nil,
            recipeDirectory: String = ".",
            fontFile: String? = nil,
            allowPipeSplit: Bool = true,
            maximumOutputDuration: Double = Options.defaultMaximumOutputDuration,
            renderDevice: RenderDevice = .auto,
            nvencWorks: Bool = false
        ) {
            self.preview = preview
            self.recipeDirectory = recipeDirectory
            self.fontFile = fontFile
            self.allowPipeSplit = allowPipeSplit
            self.maximumOutputDuration = maximumOutputDuration
            self.renderDevice = renderDevice
            self.nvencWorks = nvencWorks
        }

        /// The H.264 encoder for `recipe`'s mp4 outputs on this machine.
        public func videoEncoding(for recipe: Recipe) -> VideoEncoding {
            let largestSide = recipe.steps.reduce(0) { largest, step in
                guard case .visualize(let visualize) = step.operation else { return largest }
                return max(largest, visualize.width, visualize.height)
            }
            return VideoEncoding.choose(recipe.renderDevice ?? renderDevice, nvencWorks: nvencWorks, largestSide: largestSide)
        }

        func resolve(_ path: String) -> String {
            path.hasPrefix("/") ? path : (recipeDirectory.hasSuffix("/") ? recipeDirectory : recipeDirectory + "/") + path
        }
    }

    /// Operations heavy enough that ffmpeg's single filter thread becomes the bottleneck.
    static let heavyOperations: Set<OperationKind> = [.denoise, .compress, .eq, .speed, .duck, .trimSilence]

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    /// Compiles the recipe into stages. Throws a ``RecipeError`` for a graph that cannot be planned (names
    /// used twice, too many steps, a preview window out of range) and for edits that cannot produce media
    /// with the probed inputs (a trim or preview past the end, a crossfade longer than its tracks), and for an
    /// output longer than ``Options/maximumOutputDuration``.
    public func plan(_ recipe: Recipe, inputs: [PlanInput]) throws(RecipeError) -> Plan {
        try Self.checkShape(recipe, preview: options.preview)
        let byName = Dictionary(inputs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let steps = recipe.stepsByID
        let consumers = consumerCounts(recipe)
        let fullLength = try GraphModel(recipe: recipe, inputs: byName, preview: nil, foldedTrims: [:])
        try fullLength.checkFeasible(recipe)

        // Preview: a trim read only by one step straight off an input becomes that input's seek.
        var foldedStarts: [String: Double] = [:]
        var foldedLengths: [String: Double] = [:]
        if options.preview != nil {
            for step in recipe.steps {
                guard case .trim(let trim) = step.operation, let source = step.sources.first, recipe.input(named: source) != nil,
                    consumers[source] == 1,
                    let length = byName[source]?.facts.duration, length.isFinite, length >= 0
                else { continue }
                let bounds = trim.bounds(within: length)
                foldedStarts[source] = bounds.start
                foldedLengths[source] = bounds.end - bounds.start
            }
        }
        let model = try GraphModel(recipe: recipe, inputs: byName, preview: options.preview, foldedTrims: foldedLengths)
        if let preview = options.preview { try model.checkPreview(preview, recipe: recipe, fullLengths: fullLength.durations) }
        try checkOutputLengths(recipe, model: model)
        let compiler = GraphCompiler(
            recipe: recipe,
            inputs: byName,
            model: model,
            preview: options.preview,
            foldedTrimStarts: foldedStarts,
            options: options
        )
        let needed = neededSteps(recipe)

        var stages: [Stage] = []
        var workFiles: [String] = []
        var replacements: [String: GraphCompiler.External] = [:]
        var measured = Set<String>()

        // 1. GainMeasurement stages, in dependency order.
        for step in recipe.steps where needed.contains(step.id) {
            guard let goal = Self.measurementGoal(step), let source = step.sources.first else { continue }
            let file = "\(source).measured.wav"
            let measurement = GainMeasurement(step: step.id, goal: goal)
            // Another step already measures this source (a master normalised to two targets): the same
            // audio, so the same stage's one measurement serves both.
            if let index = stages.firstIndex(where: { $0.arguments.last == "{{work:\(file)}}" }) {
                stages[index].measures.append(measurement)
                measured.insert(step.id)
                continue
            }
            let arguments = try compiler.compile(
                targets: [.work(node: source, file: file, measure: measurement)],
                replacements: replacements,
                gainPlaceholders: measured
            )
            stages.append(
                Stage(
                    id: "measure-\(step.id)",
                    kind: .ffmpeg,
                    arguments: arguments,
                    measures: [measurement],
                    expectedDuration: model.durations[source] ?? 0
                )
            )
            workFiles.append(file)
            replacements[source] = .work(file: file)
            measured.insert(step.id)
        }

        // 2. The main stage: every media output, plus the sources of data steps as work files.
        var targets: [GraphCompiler.Target] = []
        var dataStages: [Stage] = []
        for output in recipe.outputs {
            guard let step = steps[output.from], step.output == .data, let source = step.sources.first else {
                targets.append(.output(output))
                continue
            }
            var kind = Stage.Kind.analyze
            var points: Int?
            var curveInterval: Double?
            switch step.operation {
            case .peaks(let peaks):
                kind = .peaks
                points = OperationKind.peaks.bounded(peaks.points, "points")
            case .analyze(let analyze): curveInterval = analyze.curveInterval.map { OperationKind.analyze.bounded($0, "curve") }
            default: break
            }
            var stage = Stage(
                id: "\(step.operation.name)-\(output.name)",
                kind: kind,
                arguments: [],
                expectedDuration: model.durations[source] ?? 0,
                output: output.name,
                points: points,
                curveInterval: curveInterval
            )
            if options.preview == nil, replacements[source] == nil, recipe.input(named: source)?.type == .audio, let input = byName[source] {
                // Measuring an input as it is needs no intermediate: the data stage decodes the file itself.
                stage.inputPath = input.path
            } else if case .work(let existing)? = replacements[source] {
                stage.source = existing
            } else {
                let file = "\(source).data.wav"
                if !workFiles.contains(file) {
                    targets.append(.work(node: source, file: file, measure: nil))
                    workFiles.append(file)
                }
                stage.source = file
            }
            dataStages.append(stage)
        }
        // ffmpeg 5.x closes every output of a filter graph as soon as the output it polls first reaches its end,
        // truncating the others. Targets read from the same node end together, so they share a process;
        // targets from different nodes get a process each.
        let groups = Dictionary(grouping: targets, by: \.node)
        var ordered: [String] = []
        for target in targets where !ordered.contains(target.node) { ordered.append(target.node) }
        for (position, key) in ordered.enumerated() {
            var group = groups[key, default: []]
            let meters = options.preview == nil ? Self.outputMeter(group, recipe: recipe, model: model) : []
            if !meters.isEmpty { group.append(.meter(node: key)) }
            let id = position == 0 ? "render" : "render-\(position + 1)"
            let duration = group.compactMap { model.durations[$0.node] }.max() ?? 0
            if ordered.count == 1, let cuts = pipeCuts(recipe, replacements: replacements, consumers: consumers) {
                // A chain of processes: each reads the previous one's float PCM on stdin and writes its own on stdout.
                var chainReplacements = replacements
                for (index, cut) in cuts.enumerated() {
                    let arguments = try compiler.compile(targets: [.pipe(node: cut)], replacements: chainReplacements, gainPlaceholders: measured)
                    stages.append(
                        Stage(
                            id: "pipe-\(index + 1)",
                            kind: .ffmpeg,
                            arguments: arguments,
                            pipesTo: index + 1 < cuts.count ? "pipe-\(index + 2)" : "encode",
                            expectedDuration: model.durations[cut] ?? 0
                        )
                    )
                    chainReplacements = replacements
                    chainReplacements[cut] = .pipe
                }
                let downstream = try compiler.compile(targets: group, replacements: chainReplacements, gainPlaceholders: measured)
                stages.append(Stage(id: "encode", kind: .ffmpeg, arguments: downstream, meters: meters, expectedDuration: duration))
            } else {
                let arguments = try compiler.compile(targets: group, replacements: replacements, gainPlaceholders: measured)
                stages.append(Stage(id: id, kind: .ffmpeg, arguments: arguments, meters: meters, expectedDuration: duration))
            }
        }
        stages += dataStages

        let outputs = recipe.outputs.map { output in
            PlannedOutput(
                name: output.name,
                fileName: output.fileName,
                format: output.format,
                contentType: output.format.contentType,
                expectedDuration: steps[output.from]?.output == .data ? nil : model.durations[output.from],
                expect: options.preview == nil ? output.expect : nil,
                location: output.location
            )
        }
        var plan = Plan(recipe: recipe.file, kind: recipe.kind, preview: options.preview, stages: stages, outputs: outputs, workFiles: workFiles)
        if recipe.outputs.contains(where: { $0.format == .mp4 }) { plan.video = options.videoEncoding(for: recipe) }
        return plan
    }

    /// The outputs of a process whose `expect` reads loudness and can be measured from the audio on its
    /// way to their encoder, with no second decode. That holds only where the encoder takes the step's
    /// audio as it is: a conversion (`-ac`, `-ar`, or one ffmpeg makes for an encoder, 5.1 to stereo for
    /// mp3, any rate to 48 kHz for Opus) is negotiated differently once a float copy leaves beside it (a
    /// downmix to s16 came out 3 dB louder). A lossy file's peaks are those its decoder makes, codec
    /// overshoot included, so a peak expectation on one is read from the file. The others are decoded.
    static func outputMeter(_ group: [GraphCompiler.Target], recipe: Recipe, model: GraphModel) -> [String] {
        group.compactMap { target in
            guard case .output(let output) = target, let expect = output.expect, expect.needsLoudness,
                recipe.step(id: output.from)?.output == .audio, output.format.accepts.contains(.audio),
                let rate = model.rates[output.from], let channels = model.channels[output.from], !model.guessedChannels.contains(output.from),
                OutputEncoding.conversion(for: output, sourceRate: rate).isEmpty,
                OutputEncoding.encodesUnconverted(output.format, rate: rate, channels: channels),
                !output.format.isLossy || (expect.truePeakMax == nil && expect.peakMax == nil)
            else { return nil }
            return output.name
        }
    }

    static func measurementGoal(_ step: RecipeStep) -> GainMeasurement.Goal? {
        switch step.operation {
        case .loudnorm(let loudnorm) where loudnorm.twoPass: .loudness(target: loudnorm.target, truePeak: loudnorm.truePeak)
        case .normalize(let normalize): .peak(normalize.peak)
        default: nil
        }
    }

    private func consumerCounts(_ recipe: Recipe) -> [String: Int] {
        var counts: [String: Int] = [:]
        for step in recipe.steps { for source in step.sources { counts[source, default: 0] += 1 } }
        for output in recipe.outputs { counts[output.from, default: 0] += 1 }
        return counts
    }

    /// Steps some output depends on; the rest are never compiled.
    private func neededSteps(_ recipe: Recipe) -> Set<String> {
        let steps = recipe.stepsByID
        var needed = Set<String>()
        var stack = recipe.outputs.map(\.from)
        while let name = stack.popLast() {
            guard let step = steps[name], needed.insert(name).inserted else { continue }
            stack += step.sources
        }
        return needed
    }

    /// Where to cut the main graph into processes joined by pipes, in stream order. ffmpeg runs a filter
    /// graph on one thread, and a single-pass loudnorm (192 kHz work) costs about as much as everything
    /// else together: it gets a process of its own, cut off from heavy filters before it and from the
    /// encoders after it, so the work spreads over the cores.
    private func pipeCuts(_ recipe: Recipe, replacements: [String: GraphCompiler.External], consumers: [String: Int]) -> [String]? {
        guard options.allowPipeSplit, options.preview == nil else { return nil }
        let steps = recipe.stepsByID
        // A piped stream is read once: a node read once per use (both sides of a crossfade) cannot be one.
        let needed = Set(recipe.steps.map(\.id) + recipe.inputs.map(\.name))
        let readPerUse = GraphCompiler.nodesReadPerUse(steps: steps, needed: needed, stopAt: Set(replacements.keys))
        for step in recipe.steps {
            guard case .loudnorm(let loudnorm) = step.operation, !loudnorm.twoPass, let source = step.sources.first, consumers[source] == 1,
                consumers[step.id] == 1, replacements[source] == nil, !readPerUse.contains(step.id), !readPerUse.contains(source)
            else { continue }
            // The upstream must be a plain audio chain whose nodes nothing else reads.
            var node = source
            var heavy = false
            var plain = true
            while let current = steps[node] {
                if Self.heavyOperations.contains(current.operation.kind) { heavy = true }
                guard current.sources.count == 1, let upstream = current.sources.first, current.output == .audio, replacements[upstream] == nil
                else {
                    plain = false
                    break
                }
                node = upstream
                if steps[node] != nil && consumers[node] != 1 {
                    plain = false
                    break
                }
            }
            guard plain else { continue }
            return heavy && steps[source] != nil ? [source, step.id] : [step.id]
        }
        return nil
    }
}
