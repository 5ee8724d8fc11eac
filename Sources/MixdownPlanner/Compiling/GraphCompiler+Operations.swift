import MixdownRecipe

extension GraphCompiler {
    /// Appends the filters for one step and returns the labels it produces.
    func compileStep(_ step: RecipeStep, sources: [Labels], gainPlaceholder: Bool, state: inout State) throws(RecipeError) -> Labels {
        let primary = sources.first ?? Labels()
        func chain(_ filters: [String]) -> Labels {
            let out = state.label()
            let body = filters.isEmpty ? "anull" : filters.joined(separator: ",")
            state.chains.append("[\(primary.audio ?? "")]\(body)[\(out)]")
            return Labels(audio: out)
        }
        let n: (Double) -> String = { FFmpegNumber.format($0) }
        let sourceName = step.sources.first ?? ""

        // Exhaustive: an operation added to the language without a case here does not build.
        switch step.operation {
        case .trim(let trim):
            if preview != nil, foldedTrimStarts[sourceName] != nil { return chain([]) }
            var parameters: [String] = []
            if trim.start > 0 { parameters.append("start=\(n(trim.start))") }
            if let end = trim.end {
                let absolute = end < 0 ? try model.requireDuration(of: sourceName, for: step, parameter: "end") + end : end
                parameters.append("end=\(n(absolute))")
            }
            if let duration = trim.duration { parameters.append("duration=\(try positiveLength(duration, step, "duration"))") }
            return chain(["atrim=" + (parameters.isEmpty ? "start=0" : parameters.joined(separator: ":")), "asetpts=PTS-STARTPTS"])
        case .fade(let fade):
            var filters: [String] = []
            // A fade of 0 is no fade: afade would read d=0 as its default length.
            if let fadeIn = fade.fadeIn, fadeIn > 0 { filters.append("afade=t=in:st=0:d=\(try positiveLength(fadeIn, step, "in"))") }
            if let fadeOut = fade.fadeOut, fadeOut > 0 {
                let length = try model.requireDuration(of: sourceName, for: step, parameter: "out")
                filters.append("afade=t=out:st=\(n(max(0, length - fadeOut))):d=\(try positiveLength(fadeOut, step, "out"))")
            }
            return chain(filters)
        case .gain(let gain):
            return chain(["volume=\(n(gain.decibels))dB"])
        case .loudnorm(let loudnorm):
            if gainPlaceholder { return chain([GainMeasurement(step: step.id, goal: .peak(0)).placeholder]) }
            let rate = model.rates[sourceName] ?? model.workingRate
            // loudnorm only runs at 192 kHz. Pinning the rate right before it keeps every earlier filter at the
            // source rate; otherwise format negotiation pushes 192 kHz up the whole chain.
            return chain([
                "aresample=192000",
                "loudnorm=I=\(n(loudnorm.target)):TP=\(n(loudnorm.truePeak)):LRA=\(n(loudnorm.loudnessRange))",
                "aresample=\(rate)",
            ])
        case .normalize:
            return chain([GainMeasurement(step: step.id, goal: .peak(0)).placeholder])
        case .highpass(let cutoff):
            return chain(["highpass=f=\(n(cutoff.frequency))"])
        case .lowpass(let cutoff):
            return chain(["lowpass=f=\(n(cutoff.frequency))"])
        case .eq(let equalizer):
            return chain(equalizer.bands.map { "equalizer=f=\(n($0.frequency)):t=q:w=\(n($0.width)):g=\(n($0.gain))" })
        case .compress(let compress):
            let threshold = FFmpegNumber.linear(fromDecibels: compress.threshold)
            let makeup = FFmpegNumber.linear(fromDecibels: compress.makeup)
            return chain([
                "acompressor=threshold=\(n(max(threshold, 0.000976563))):ratio=\(n(compress.ratio))"
                    + ":attack=\(n(compress.attack * 1000)):release=\(n(compress.release * 1000))"
                    + ":makeup=\(n(min(max(makeup, 1), 64)))"
            ])
        case .limit(let limit):
            let ceiling = FFmpegNumber.linear(fromDecibels: limit.ceiling)
            return chain(["alimiter=limit=\(n(max(ceiling, 0.0625))):level=false:attack=5:release=50"])
        case .denoise(let denoise):
            return chain(["afftdn=nr=\(n(denoise.amount))"])
        case .trimSilence(let trimSilence):
            let threshold = "\(n(trimSilence.threshold))dB"
            let minimum = n(trimSilence.minimumDuration)
            let leading = "silenceremove=start_periods=1:start_duration=\(minimum):start_threshold=\(threshold):detection=peak"
            switch trimSilence.region {
            case .start: return chain([leading])
            case .end: return chain(["areverse", leading, "areverse"])
            case .all: return chain([leading + ":stop_periods=-1:stop_duration=\(minimum):stop_threshold=\(threshold)"])
            case .both: return chain([leading, "areverse", leading, "areverse"])
            }
        case .speed(let speed):
            var factor = OperationKind.speed.bounded(speed.factor, "factor")
            var filters: [String] = []
            // atempo takes 0.5...100; slower speeds are chained halvings.
            while factor < 0.5 {
                filters.append("atempo=0.5")
                factor /= 0.5
            }
            filters.append("atempo=\(n(factor))")
            return chain(filters)
        case .pad(let pad):
            var filters: [String] = []
            if let start = pad.start, start > 0 { filters.append("adelay=delays=\(n(start * 1000)):all=1") }
            if let end = pad.end, end > 0 { filters.append("apad=pad_dur=\(try positiveLength(end, step, "end"))") }
            return chain(filters)
        case .resample(let resample):
            var filters: [String] = []
            if let rate = resample.rate { filters.append("aresample=\(OperationKind.resample.bounded(rate, "rate"))") }
            if let channels = resample.channels { filters.append("aformat=channel_layouts=\(Self.layout(channels))") }
            return chain(filters)
        case .loop(let loop):
            let length = try model.requireDuration(of: sourceName, for: step, parameter: loop.length != nil ? "to" : "count")
            let rate = model.rates[sourceName] ?? model.workingRate
            // The model bounds every duration, so this product is far inside Int's range.
            let samples = FFmpegNumber.integer((length * Double(rate)).rounded(.up), in: 1...Int(Int32.max) * 1024)
            if let target = loop.length {
                // aloop=loop=-1 never ends by itself: the trim after it must be a real, positive length.
                let bound = try positiveLength(target, step, "to")
                return chain(["aloop=loop=-1:size=\(max(samples, 1))", "atrim=duration=\(bound)", "asetpts=PTS-STARTPTS"])
            }
            let count = OperationKind.loop.bounded(loop.count ?? 1, "count")
            return chain(["aloop=loop=\(count - 1):size=\(max(samples, 1))", "asetpts=PTS-STARTPTS"])
        case .concat(let concat):
            let labels = try aligned(step, sources, atLeast: 1, state: &state)
            if concat.crossfade > 0, let first = labels.first {
                let length = try positiveLength(concat.crossfade, step, "crossfade")
                var current = first
                for next in labels.dropFirst() {
                    let out = state.label()
                    state.chains.append("[\(current)][\(next)]acrossfade=d=\(length):c1=tri:c2=tri[\(out)]")
                    current = out
                }
                return Labels(audio: current)
            }
            let out = state.label()
            state.chains.append(labels.map { "[\($0)]" }.joined() + "concat=n=\(labels.count):v=0:a=1[\(out)]")
            return Labels(audio: out)
        case .crossfade(let crossfade):
            let labels = try aligned(step, sources, atLeast: 2, state: &state)
            let out = state.label()
            // No overlap is a plain join: acrossfade would read d=0 as its default of one second.
            guard crossfade.duration > 0 else {
                state.chains.append("[\(labels[0])][\(labels[1])]concat=n=2:v=0:a=1[\(out)]")
                return Labels(audio: out)
            }
            state.chains.append(
                "[\(labels[0])][\(labels[1])]acrossfade=d=\(try positiveLength(crossfade.duration, step, "duration")):c1=tri:c2=tri[\(out)]"
            )
            return Labels(audio: out)
        case .mix(let mix):
            let labels = try aligned(step, sources, atLeast: 1, state: &state)
            var weights = ""
            if let values = mix.weights {
                weights = ":weights=" + FilterGraphEscaping.optionValue(values.map { n($0) }.joined(separator: " "))
            }
            let out = state.label()
            state.chains.append(
                labels.map { "[\($0)]" }.joined()
                    + "amix=inputs=\(labels.count):duration=\(mix.length.rawValue):dropout_transition=0:normalize=false\(weights)[\(out)]"
            )
            return Labels(audio: out)
        case .duck(let duck):
            let labels = try aligned(step, sources, atLeast: 2, state: &state)
            let amount = abs(duck.amount)
            // A voice typically sits ~20 dB over the threshold; this ratio lowers the bed by about `amount` there.
            let ratio = min(20, max(1, 20 / max(1, 20 - min(amount, 19))))
            let out = state.label()
            state.chains.append(
                "[\(labels[0])][\(labels[1])]sidechaincompress=threshold=\(n(FFmpegNumber.linear(fromDecibels: duck.threshold)))"
                    + ":ratio=\(n(ratio)):attack=\(n(duck.attack * 1000)):release=\(n(duck.release * 1000))[\(out)]"
            )
            return Labels(audio: out)
        case .visualize(let visualize):
            return self.visualize(visualize, sources: sources, state: &state)
        case .title(let title):
            return self.title(title, source: primary, state: &state)
        case .captions(let captions):
            let path = options.resolve(captions.srt)
            let out = state.label()
            state.chains.append("[\(primary.video ?? "")]subtitles=filename=\(FilterGraphEscaping.optionValue(path))[\(out)]")
            return Labels(audio: primary.audio, video: out)
        case .analyze, .peaks:
            // Data steps run in stages of their own on a work file; a graph never reads them.
            return Labels()
        }
    }

    /// A length that bounds a filter (a trim's duration, the trim that ends a loop, a fade, a crossfade, padding),
    /// as ffmpeg will read it. ffmpeg takes 0 for "unset" (the whole input, an endless loop, a default length);
    /// the parser refuses such values, and a `Recipe` built any other way gets this diagnostic instead.
    func positiveLength(_ value: Double, _ step: RecipeStep, _ parameter: String) throws(RecipeError) -> String {
        let text = FFmpegNumber.format(value)
        guard value > 0, text != "0" else {
            throw RecipeError([
                MixdownError(
                    code: .badValue,
                    message: "'\(step.operation.name).\(parameter)' in step '\(step.id)' must be at least 1ms, not \(value)s",
                    location: step.argumentLocations[parameter] ?? step.location
                )
            ])
        }
        return text
    }

    /// Source audio labels brought to the step's rate and layout (the highest and widest among its
    /// sources), so a join never lowers any track and its filter never sees mismatched formats.
    /// Throws when the step reads fewer tracks than its filter needs (only a hand-built `Recipe` can).
    private func aligned(_ step: RecipeStep, _ sources: [Labels], atLeast minimum: Int, state: inout State) throws(RecipeError) -> [String] {
        guard step.sources.count >= minimum, sources.count >= minimum, let first = step.sources.first else {
            throw RecipeError([
                MixdownError(
                    code: .missingSource,
                    message: "'\(step.operation.name)' in step '\(step.id)' needs at least \(minimum) tracks",
                    location: step.location
                )
            ])
        }
        let target = model.rates[step.id] ?? model.rates[first] ?? model.workingRate
        let width = model.channels[step.id] ?? 2
        return zip(step.sources, sources).map { name, labels in
            let label = labels.audio ?? ""
            var filters: [String] = []
            if (model.rates[name] ?? target) != target { filters.append("aresample=\(target)") }
            // Upmixing keeps loudness: a mono track lands on both channels at -3 dB.
            if (model.channels[name] ?? width) != width { filters.append("aformat=channel_layouts=\(Self.layout(width))") }
            guard !filters.isEmpty else { return label }
            let out = state.label()
            state.chains.append("[\(label)]\(filters.joined(separator: ","))[\(out)]")
            return out
        }
    }

    static func layout(_ channels: Int) -> String {
        ["mono", "stereo", "3.0", "quad", "5.0", "5.1", "6.1", "7.1"][max(0, min(7, channels - 1))]
    }

    private func visualize(_ visualize: Visualize, sources: [Labels], state: inout State) -> Labels {
        let (width, height) = (min(max(visualize.width, 2), 7680), min(max(visualize.height, 2), 4320))
        let fps = OperationKind.visualize.bounded(visualize.fps, "fps")
        let color = FilterGraphEscaping.optionValue(visualize.color)
        let audio = sources.first?.audio ?? ""
        let (drawn, soundtrack, picture, canvas) = (state.label(), state.label(), state.label(), state.label())
        state.chains.append("[\(audio)]asplit=2[\(drawn)][\(soundtrack)]")
        switch visualize.style {
        case .cover:
            // Nothing to see, but still drawn from the audio: a clear 2x2 picture that ends the video
            // exactly when the audio ends, whatever the planner knew of its length.
            state.chains.append("[\(drawn)]showwaves=s=2x2:mode=point:rate=\(fps),format=rgba,colorchannelmixer=aa=0[\(picture)]")
        case .spectrum:
            state.chains.append(
                "[\(drawn)]showspectrum=s=\(width)x\(height):slide=scroll:mode=combined:color=intensity,fps=\(fps),format=rgba[\(picture)]"
            )
        case .cqt:
            state.chains.append("[\(drawn)]showcqt=s=\(width)x\(height):fps=\(fps),format=rgba[\(picture)]")
        case .waveform:
            state.chains.append("[\(drawn)]showwaves=s=\(width)x\(height):mode=cline:rate=\(fps):colors=\(color),format=rgba[\(picture)]")
        }
        switch visualize.background {
        case .image where sources.count > 1 && sources.last?.video != nil:
            state.chains.append(
                "[\(sources.last?.video ?? "")]scale=\(width):\(height):force_original_aspect_ratio=increase,crop=\(width):\(height),setsar=1,fps=\(fps),format=rgba[\(canvas)]"
            )
        case .image:
            state.chains.append("color=c=black:s=\(width)x\(height):r=\(fps),format=rgba[\(canvas)]")
        case .color(let background):
            state.chains.append("color=c=\(FilterGraphEscaping.optionValue(background)):s=\(width)x\(height):r=\(fps),format=rgba[\(canvas)]")
        }
        let out = state.label()
        state.chains.append("[\(canvas)][\(picture)]overlay=shortest=1:format=auto,format=yuv420p,setsar=1[\(out)]")
        return Labels(audio: soundtrack, video: out)
    }

    private func title(_ title: Title, source: Labels, state: inout State) -> Labels {
        let size = OperationKind.title.bounded(title.size, "size")
        let y: String =
            switch title.position {
            case .top: "h*0.06"
            case .center: "(h-text_h)/2"
            case .bottom: "h-text_h-h*0.08"
            }
        var parameters = [
            "text=" + FilterGraphEscaping.optionValue(title.text),
            "expansion=none",
            "fontsize=\(size)",
            "fontcolor=" + FilterGraphEscaping.optionValue(title.color),
            "x=(w-text_w)/2",
            "y=\(y)",
            "box=1",
            "boxcolor=black@0.45",
            "boxborderw=\(max(4, size / 4))",
        ]
        if let font = options.fontFile { parameters.insert("fontfile=" + FilterGraphEscaping.optionValue(font), at: 0) }
        let out = state.label()
        state.chains.append("[\(source.video ?? "")]drawtext=" + parameters.joined(separator: ":") + "[\(out)]")
        return Labels(audio: source.audio, video: out)
    }
}
