internal import Yams

extension ParseContext {
    static let outputKeys = ["from", "format", "bitrate", "sample_rate", "channels", "expect"]

    func parseOutputs(_ node: Node?, root: Node, inputs: [RecipeInput], steps: [RecipeStep], listOrder: [WrittenStep]) -> [RecipeOutput] {
        guard let node else {
            error(.missingKey, "missing required key 'outputs' (e.g. outputs: { episode: { format: mp3 } })", at: root)
            return []
        }
        guard case .mapping(let mapping) = node, !mapping.isEmpty else {
            error(.badValue, "'outputs' must be a mapping of output names to settings", at: node)
            return []
        }
        // A step may repeat an input's name or another step's id; that is reported as `duplicate-id` where the
        // step is written, and here the first meaning wins so the rest of the outputs are still checked.
        let types = Dictionary(inputs.map { ($0.name, $0.type) } + steps.map { ($0.id, $0.output) }, uniquingKeysWith: { first, _ in first })
        let defaultSource = listOrder.last?.id ?? (inputs.count == 1 ? inputs[0].name : nil)
        var outputs: [RecipeOutput] = []
        var seen = Set<String>()
        for (key, value) in mapping {
            guard spend(key), spend(value) else { break }
            guard let name = key.scalar?.string, ParseContext.isSlug(name) else {
                error(.badName, "an output name uses letters, digits, '-' and '_' (it becomes the file name)", at: key)
                continue
            }
            guard seen.insert(name).inserted else {
                error(.duplicateId, "output name '\(name)' is used twice", at: key)
                continue
            }
            var fields: [String: Node] = [:]
            if case .mapping(let settings) = value {
                for (fieldKey, fieldValue) in settings {
                    guard spend(fieldKey), spend(fieldValue), let field = fieldKey.scalar?.string else { continue }
                    guard ParseContext.outputKeys.contains(field) else {
                        error(
                            .unknownKey,
                            "unknown key \(Excerpt.quoted(field)) in output '\(name)'",
                            at: fieldKey,
                            suggestion: Suggestion.closest(to: field, in: ParseContext.outputKeys)
                        )
                        continue
                    }
                    fields[field] = fieldValue
                }
            } else if !value.isNull {
                error(.badValue, "output '\(name)' must be a mapping such as { from: episode, format: mp3 }", at: value)
                continue
            }
            let here = here(key)
            var source = defaultSource
            if let fromNode = fields["from"], let text = scalarText(fromNode, what: "'from'") {
                source = text
                if types[text] == nil {
                    error(
                        .unknownReference,
                        "output '\(name)': \(Excerpt.quoted(text)) is not an input or a step id",
                        at: fromNode,
                        suggestion: Suggestion.closest(to: text, in: types.keys)
                    )
                    continue
                }
            }
            guard let source, let type = types[source] else {
                error(.missingFrom, "output '\(name)' needs 'from' (the recipe has no steps and several inputs)", at: key)
                continue
            }
            var format = OutputFormat.defaultFormat(for: type)
            if let formatNode = fields["format"], let text = scalarText(formatNode, what: "'format'") {
                if let parsed = OutputFormat(rawValue: text.lowercased()) {
                    format = parsed
                    if !parsed.accepts.contains(type) {
                        let fits = OutputFormat.allCases.filter { $0.accepts.contains(type) }.map(\.rawValue).joined(separator: ", ")
                        error(
                            .typeMismatch,
                            "output '\(name)': \(Excerpt.excerpt(text)) cannot hold \(type) from '\(source)'; use one of \(fits)",
                            at: formatNode
                        )
                    }
                } else {
                    error(
                        .badValue,
                        "output '\(name)': unknown format \(Excerpt.quoted(text)); known: \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", "))",
                        at: formatNode,
                        suggestion: Suggestion.closest(to: text, in: OutputFormat.allCases.map(\.rawValue))
                    )
                }
            }
            var output = RecipeOutput(name: name, from: source, format: format, location: here)
            if let bitrateNode = fields["bitrate"], let text = scalarText(bitrateNode, what: "'bitrate'") {
                if !format.isLossy {
                    error(.badValue, "output '\(name)': 'bitrate' applies only to lossy formats (mp3, m4a, opus, ogg, mp4, webm)", at: bitrateNode)
                } else if let bits = UnitParser.bitrate(text) {
                    output.bitrate = bits
                } else {
                    error(.badValue, "output '\(name)': \(Excerpt.quoted(text)) is not a bitrate such as 192k", at: bitrateNode)
                }
            }
            if let rateNode = fields["sample_rate"], let text = scalarText(rateNode, what: "'sample_rate'") {
                if let rate = Int(text), (8000...192_000).contains(rate) {
                    output.sampleRate = rate
                } else {
                    error(.badValue, "output '\(name)': 'sample_rate' must be 8000..192000 Hz", at: rateNode)
                }
            }
            if let channelsNode = fields["channels"], let text = scalarText(channelsNode, what: "'channels'") {
                if let channels = Int(text), (1...8).contains(channels) {
                    output.channels = channels
                } else {
                    error(.badValue, "output '\(name)': 'channels' must be 1..8", at: channelsNode)
                }
            }
            if let expectNode = fields["expect"] {
                if type == .audio || type == .video {
                    output.expect = parseExpectation(expectNode, output: name)
                } else {
                    error(.badValue, "output '\(name)': 'expect' applies to audio and video outputs", at: expectNode)
                }
            }
            outputs.append(output)
        }
        return outputs
    }

    private func parseExpectation(_ node: Node, output: String) -> Expectation? {
        guard case .mapping(let mapping) = node else {
            error(.badValue, "'expect' must be a mapping such as { lufs: [-17, -15], true_peak_max: -1 }", at: node)
            return nil
        }
        var expectation = Expectation()
        for (key, value) in mapping {
            guard spend(key), spend(value), let name = key.scalar?.string else { continue }
            let here = here(key)
            func range(_ parse: (String) -> Double?, _ what: String) -> ClosedRange<Double>? {
                guard case .sequence(let items) = value, items.count == 2,
                    let low = scalarText(items[0], what: what).flatMap(parse),
                    let high = scalarText(items[1], what: what).flatMap(parse), low <= high
                else {
                    error(.badValue, "'expect.\(name)' must be [LOW, HIGH] \(what)", at: value)
                    return nil
                }
                return low...high
            }
            func single<Value>(_ parse: (String) -> Value?, _ what: String) -> Value? {
                guard let number = scalarText(value, what: "'expect.\(name)'").flatMap(parse) else {
                    error(.badValue, "'expect.\(name)' must be \(what)", at: value)
                    return nil
                }
                return number
            }
            switch name {
            case "lufs": expectation.lufs = range(UnitParser.level, "in LUFS")
            case "true_peak_max": expectation.truePeakMax = single(UnitParser.level, "a level in dBTP")
            case "peak_max": expectation.peakMax = single(UnitParser.level, "a level in dBFS")
            case "duration": expectation.duration = range(UnitParser.duration, "durations")
            case "sample_rate": expectation.sampleRate = single(Self.wholeNumber(in: 1...768_000), "a whole rate in Hz, 1 to 768000")
            case "channels": expectation.channels = single(Self.wholeNumber(in: 1...64), "a whole channel count, 1 to 64")
            default:
                error(
                    .unknownKey,
                    "unknown expectation \(Excerpt.quoted(name))",
                    at: key,
                    suggestion: Suggestion.closest(to: name, in: Expectation.keys)
                )
                continue
            }
            expectation.locations[name] = here
        }
        return expectation
    }

    /// A number parser for counts: whole and within `range`, so converting it to `Int` cannot trap.
    static func wholeNumber(in range: ClosedRange<Int>) -> (String) -> Int? {
        { text in
            guard let value = UnitParser.number(text), value == value.rounded(),
                value >= Double(range.lowerBound), value <= Double(range.upperBound)
            else { return nil }
            return Int(value)
        }
    }
}
