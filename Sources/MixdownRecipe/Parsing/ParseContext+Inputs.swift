internal import Yams

extension ParseContext {
    static let sourceKeys = InputSourceKeys.all
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "webp", "bmp", "gif"]

    func parseInputs(_ node: Node) -> [RecipeInput] {
        guard case .mapping(let mapping) = node else {
            error(.badValue, "'inputs' must be a mapping of names to sources", at: node)
            return []
        }
        var inputs: [RecipeInput] = []
        var seen = Set<String>()
        for (key, value) in mapping {
            guard spend(key), spend(value) else { break }
            guard let name = key.scalar?.string, ParseContext.isIdentifier(name) else {
                error(.badName, "an input name must start with a letter and use letters, digits, '-' or '_'", at: key)
                continue
            }
            // YAML keeps `true` and `'true'` apart (a boolean and a string); as names they are the same.
            guard seen.insert(name).inserted else {
                error(.duplicateId, "input name '\(name)' is used twice", at: key)
                continue
            }
            if let input = parseInput(name: name, key: key, value: value) { inputs.append(input) }
        }
        if let provided = options.providedUploads {
            for input in inputs where input.source == .upload && !provided.contains(input.name) {
                let how =
                    switch options.uploadChannel {
                    case .commandLine: "supply it with --input \(input.name)=PATH"
                    case .request: "supply it as an asset id in the request's inputs.\(input.name), or as a file part named '\(input.name)'"
                    }
                error(.missingInput, "input '\(input.name)' is an upload: \(how)", at: input.location)
            }
            let names = Set(inputs.map(\.name))
            let given = options.uploadChannel == .commandLine ? "--input" : "inputs:"
            for name in provided.sorted() where !names.contains(name) {
                error(
                    .unknownInput,
                    "\(given) \(Excerpt.excerpt(name)): the recipe has no input \(Excerpt.quoted(name))",
                    at: nil as SourceLocation?,
                    suggestion: Suggestion.closest(to: name, in: names)
                )
            }
        }
        return inputs
    }

    private func parseInput(name: String, key: Node, value: Node) -> RecipeInput? {
        guard case .mapping(let fields) = value else {
            error(.badInput, "input '\(name)' must be a mapping with one of: \(ParseContext.sourceKeys.joined(separator: ", "))", at: value)
            return nil
        }
        var source: (InputSource, Node)?
        var declaredType: StreamType?
        for (fieldKey, fieldValue) in fields {
            guard spend(fieldKey), spend(fieldValue), let field = fieldKey.scalar?.string else { continue }
            if field == "type" {
                if let text = scalarText(fieldValue, what: "'type'"), let type = StreamType(rawValue: text), type == .audio || type == .image {
                    declaredType = type
                } else {
                    error(.badValue, "an input's 'type' is audio or image", at: fieldValue)
                }
                continue
            }
            guard ParseContext.sourceKeys.contains(field) else {
                error(
                    .unknownKey,
                    "unknown key \(Excerpt.quoted(field)) in input '\(name)'",
                    at: fieldKey,
                    suggestion: Suggestion.closest(to: field, in: ParseContext.sourceKeys + ["type"])
                )
                continue
            }
            if source != nil {
                error(
                    .badInput,
                    "input '\(name)' has more than one source; give exactly one of \(ParseContext.sourceKeys.joined(separator: ", "))",
                    at: fieldKey
                )
                continue
            }
            guard let parsed = parseSource(field, fieldValue, input: name) else { continue }
            source = (parsed, fieldValue)
        }
        guard let (source, sourceNode) = source else {
            error(.badInput, "input '\(name)' needs one of: \(ParseContext.sourceKeys.joined(separator: ", "))", at: key)
            return nil
        }
        var type = declaredType ?? .audio
        if declaredType == nil, case .file(let path) = source,
            let ext = path.split(separator: ".").last.map({ $0.lowercased() }), ParseContext.imageExtensions.contains(ext)
        {
            type = .image
        }
        _ = sourceNode
        return RecipeInput(name: name, source: source, type: type, location: here(key))
    }

    private func parseSource(_ keyword: String, _ node: Node, input: String) -> InputSource? {
        switch keyword {
        case "upload":
            guard let text = scalarText(node, what: "'upload'"), text == "true" else {
                error(.badValue, "'upload' takes the value true", at: node)
                return nil
            }
            return .upload
        case "file":
            guard let path = scalarText(node, what: "'file'"), !path.isEmpty, path.utf8.count <= 1024, !path.contains("\0") else {
                error(.badValue, "'file' must be a path relative to the recipe", at: node)
                return nil
            }
            if let exists = options.fileExists, !exists(path) {
                error(.missingFile, "input '\(input)': no file at \(Excerpt.quoted(path)) (paths are relative to the recipe)", at: node)
            }
            return .file(path)
        case "url", "youtube":
            guard let url = scalarText(node, what: "'\(keyword)'") else { return nil }
            guard Self.isHTTPURL(url) else {
                error(.badUrl, "'\(keyword)' must be an http or https URL", at: node)
                return nil
            }
            return keyword == "url" ? .url(url) : .youtube(url)
        default:
            guard let id = scalarText(node, what: "'asset'"), id.hasPrefix("ast_"), id.count <= 64, ParseContext.isSlug(id) else {
                error(.badValue, "'asset' must be an asset id such as ast_01J...", at: node)
                return nil
            }
            return .asset(id)
        }
    }

    static func isHTTPURL(_ text: String) -> Bool {
        let lowered = text.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else { return false }
        let rest = lowered.drop { $0 != "/" }.dropFirst(2)
        return !rest.isEmpty && text.count <= 2048 && !text.contains(where: { $0.isWhitespace || $0 == "\0" })
    }
}
