internal import Yams

extension ParseContext {
    /// Colour names ffmpeg knows that recipes may use; anything else must be written as hex.
    static let colorNames: Set<String> = [
        "black", "white", "red", "green", "blue", "yellow", "cyan", "magenta", "orange", "purple", "pink",
        "gray", "grey", "silver", "navy", "teal", "maroon", "olive", "lime", "aqua", "fuchsia", "brown",
        "gold", "indigo", "violet", "darkgray", "darkgrey", "lightgray", "lightgrey", "transparent",
    ]

    /// The shortest non-zero duration a recipe may write, in seconds (`Docs/recipes.md`, Units).
    static let shortestDuration = 0.001

    static func isColor(_ text: String) -> Bool {
        if colorNames.contains(text.lowercased()) { return true }
        let hex: Substring
        if text.hasPrefix("#") {
            hex = text.dropFirst()
        } else if text.lowercased().hasPrefix("0x") {
            hex = text.dropFirst(2)
        } else {
            return false
        }
        return [3, 6, 8].contains(hex.count) && hex.allSatisfy(\.isHexDigit)
    }

    func parseValue(_ node: Node, for parameter: ParameterSpec, name: String) -> ArgumentValue? {
        switch parameter.type {
        case .references(let counts):
            guard case .sequence(let items) = node else {
                error(.badValue, "\(name) must be a list of input or step names, e.g. [intro, body]", at: node)
                return nil
            }
            var names: [String] = []
            for item in items {
                guard spend(item), let text = scalarText(item, what: "each of \(name)") else { return nil }
                names.append(text)
            }
            guard counts.contains(names.count) else {
                let want = counts.lowerBound == counts.upperBound ? "exactly \(counts.lowerBound)" : "\(counts.lowerBound) to \(counts.upperBound)"
                error(.badValue, "\(name) needs \(want) names, found \(names.count)", at: node)
                return nil
            }
            return .references(names)
        case .numbers(let range):
            guard case .sequence(let items) = node else {
                error(.badValue, "\(name) must be a list of numbers, e.g. [1, 0.5]", at: node)
                return nil
            }
            var values: [Double] = []
            for item in items {
                guard spend(item), let text = scalarText(item, what: "each of \(name)") else { return nil }
                guard let value = UnitParser.number(text), range.contains(value) else {
                    error(
                        .badValue,
                        "\(name): \(Excerpt.quoted(text)) is not a number between \(format(range.lowerBound)) and \(format(range.upperBound))",
                        at: item
                    )
                    return nil
                }
                values.append(value)
            }
            return .numbers(values)
        case .records(let fields):
            guard case .sequence(let items) = node, !items.isEmpty else {
                error(.badValue, "\(name) must be a non-empty list of {\(fields.map(\.name).joined(separator: ", "))}", at: node)
                return nil
            }
            var records: [[String: ArgumentValue]] = []
            for item in items {
                guard spend(item), case .mapping(let mapping) = item else {
                    error(.badValue, "each of \(name) must be a mapping {\(fields.map(\.name).joined(separator: ", "))}", at: item)
                    return nil
                }
                var record: [String: ArgumentValue] = [:]
                var written: Set<String> = []
                for (key, value) in mapping {
                    guard spend(key), spend(value) else { return nil }
                    guard let fieldName = key.scalar?.string, let field = fields.first(where: { $0.name == fieldName }) else {
                        let fieldName = key.scalar?.string ?? "?"
                        error(
                            .unknownParameter,
                            "\(name) entries have no field \(Excerpt.quoted(fieldName)); they take \(fields.map(\.name).joined(separator: ", "))",
                            at: key,
                            suggestion: Suggestion.closest(to: fieldName, in: fields.map(\.name))
                        )
                        continue
                    }
                    written.insert(field.name)
                    let qualified = name.hasSuffix("'") ? "\(name.dropLast()).\(field.name)'" : "\(name).\(field.name)"
                    if let parsed = parseValue(value, for: field, name: qualified) { record[field.name] = parsed }
                }
                // A field written with a bad value already has its error; only an absent one is missing.
                for field in fields where field.isRequired && !written.contains(field.name) {
                    error(.missingParameter, "each of \(name) needs '\(field.name)'", at: item)
                }
                records.append(record)
            }
            return .records(records)
        default:
            guard let text = scalarText(node, what: name), let value = parseScalar(text, node, for: parameter, name: name) else { return nil }
            if let range = parameter.range, let number = value.number, !range.contains(number) {
                error(.outOfRange, "\(name) must be within \(parameter.rangeText ?? ""), not \(Excerpt.quoted(text))", at: node)
                return nil
            }
            return value
        }
    }

    private func parseScalar(_ text: String, _ node: Node, for parameter: ParameterSpec, name: String) -> ArgumentValue? {
        func bad(_ expected: String) -> ArgumentValue? {
            error(.badValue, "\(name): \(Excerpt.quoted(text)) is not \(expected)", at: node)
            return nil
        }
        switch parameter.type {
        case .duration(let allowsNegative):
            guard let seconds = UnitParser.duration(text), seconds.magnitude <= 86_400 * 7 else {
                return bad("a duration (e.g. 90, 1.5, 250ms, 5s, 2m, 1m30s, 01:02:03.5)")
            }
            if seconds < 0 && !allowsNegative { return bad("a positive duration") }
            // ffmpeg reads a length of 0 as "unset" (atrim, afade, acrossfade: the whole input, or a default),
            // and numbers below a microsecond print as 0; a non-zero duration under 1 ms is refused rather than
            // turned into one. A parameter with a sub-millisecond floor (attack times reach ffmpeg in
            // milliseconds) is bounded by its range instead.
            let ownFloor = parameter.range.map { $0.lowerBound > 0 && $0.lowerBound < ParseContext.shortestDuration } ?? false
            if seconds != 0, seconds.magnitude < ParseContext.shortestDuration, !ownFloor {
                return bad("0 or a duration of at least 1ms")
            }
            return .number(seconds)
        case .level:
            guard let decibels = UnitParser.level(text) else { return bad("a level in dB (e.g. -6dB)") }
            return .number(decibels)
        case .frequency:
            guard let hertz = UnitParser.frequency(text) else { return bad("a frequency (e.g. 80, 80Hz, 2.5kHz)") }
            return .number(hertz)
        case .number:
            guard let value = UnitParser.number(text) else { return bad("a number") }
            return .number(value)
        case .integer:
            guard let value = Int(text) else { return bad("a whole number") }
            return .number(Double(value))
        case .string(let maxLength):
            guard !text.isEmpty, text.count <= maxLength, !text.contains("\0") else { return bad("text of 1 to \(maxLength) characters") }
            return .string(text)
        case .boolean:
            switch text.lowercased() {
            case "true", "yes", "on": return .bool(true)
            case "false", "no", "off": return .bool(false)
            default: return bad("true or false")
            }
        case .color:
            guard ParseContext.isColor(text) else { return bad("a colour (#rrggbb or a name such as white)") }
            return .string(text)
        case .size:
            guard let size = UnitParser.size(text) else { return bad("a size such as 1280x720") }
            // Encoders want even dimensions; refuse rather than silently round.
            guard size.width % 2 == 0, size.height % 2 == 0 else { return bad("a size with even width and height") }
            return .size(width: size.width, height: size.height)
        case .choice(let options):
            guard options.contains(text) else {
                error(
                    .badValue,
                    "\(name): \(Excerpt.quoted(text)) is not one of \(options.joined(separator: ", "))",
                    at: node,
                    suggestion: Suggestion.closest(to: text, in: options)
                )
                return nil
            }
            return .string(text)
        case .reference:
            return .reference(text)
        case .colorOrReference:
            // Resolved after all names are known: a known name is a reference, otherwise it must be a colour.
            return .string(text)
        case .references, .numbers, .records:
            return nil
        }
    }
}
