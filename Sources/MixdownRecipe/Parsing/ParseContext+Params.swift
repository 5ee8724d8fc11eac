internal import Foundation
internal import Yams

extension ParseContext {
    func parseParams(_ node: Node) {
        guard case .mapping(let mapping) = node else {
            error(.badValue, "'params' must be a mapping of names to default values", at: node)
            return
        }
        for (key, value) in mapping {
            guard spend(key), spend(value) else { return }
            guard let name = key.scalar?.string, ParseContext.isIdentifier(name) else {
                error(.badParam, "a param name must start with a letter and use letters, digits, '-' or '_'", at: key)
                continue
            }
            guard declaredParams[name] == nil else {
                error(.duplicateId, "param '\(name)' is declared twice", at: key)
                continue
            }
            guard let scalar = value.scalar else {
                error(.badParam, "param \(Excerpt.quoted(name)) needs a scalar default (a number, true/false or text)", at: value)
                continue
            }
            let kind: ParamKind
            if scalar.style == .plain, UnitParser.number(scalar.string) != nil {
                kind = .number
            } else if scalar.style == .plain, ["true", "false"].contains(scalar.string) {
                kind = .boolean
            } else {
                kind = .text
            }
            declaredParams[name] = kind
            params[name] = scalar.string
        }
    }

    /// Overrides (`--set NAME=VALUE`, or a request's `params`) replace defaults; each must fit the type its
    /// default implies. Their problems have no place in the recipe: they point at `/params/NAME`, the member
    /// of a request body that set them.
    func applyOverrides() {
        for (name, value) in options.parameterOverrides.sorted(by: { $0.key < $1.key }) {
            let shownName = Excerpt.excerpt(name)
            let pointer = "/params/" + name.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
            guard let kind = declaredParams[name] else {
                error(
                    .unknownParam,
                    "the recipe declares no param \(Excerpt.quoted(name)) (set to \(Excerpt.quoted(value)))",
                    at: nil,
                    pointer: pointer,
                    suggestion: Suggestion.closest(to: name, in: declaredParams.keys)
                )
                continue
            }
            switch kind {
            case .number where UnitParser.number(value) == nil:
                error(
                    .badParam,
                    "param '\(shownName)' is a number (its default is \(Excerpt.excerpt(params[name] ?? ""))), not \(Excerpt.quoted(value))",
                    at: nil,
                    pointer: pointer
                )
            case .boolean where !["true", "false"].contains(value):
                error(.badParam, "param '\(shownName)' is true or false, not \(Excerpt.quoted(value))", at: nil, pointer: pointer)
            default:
                params[name] = value
            }
        }
    }

    /// Replaces `${name}` with param values; reports unknown names at the scalar.
    ///
    /// Every byte a substitution produces counts against `maximumBytes` together with the document
    /// itself, so a small recipe cannot expand into a huge one (a long param used thousands of times).
    func substitute(_ text: String, at node: Node) -> String? {
        guard !isAbandoned else { return nil }
        guard text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            let afterOpen = rest[start.upperBound...]
            guard let close = afterOpen.firstIndex(of: "}") else {
                error(.badSubstitution, "unterminated '${' in \(Excerpt.quoted(text))", at: node)
                return nil
            }
            let name = String(afterOpen[..<close])
            guard let value = params[name] else {
                error(
                    .unknownParam,
                    "unknown param \(Excerpt.quoted(name))" + (params.isEmpty ? " (the recipe declares no params)" : ""),
                    at: node,
                    suggestion: Suggestion.closest(to: name, in: params.keys)
                )
                return nil
            }
            expandedBytes += value.utf8.count
            guard expandedBytes <= options.maximumBytes else {
                abandon(
                    .tooLarge,
                    "the recipe is larger than \(options.maximumBytes) bytes once its params are substituted; "
                        + "reference long params fewer times",
                    at: location(node)
                )
                return nil
            }
            result += value
            rest = afterOpen[afterOpen.index(after: close)...]
        }
        return result + rest
    }

    /// The scalar's text after substitution, or nil (with a diagnostic) when the node is not a scalar.
    func scalarText(_ node: Node, what: String) -> String? {
        guard let scalar = node.scalar else {
            error(.badValue, "\(what) must be a single value, not a \(node.kindName)", at: node)
            return nil
        }
        return substitute(scalar.string, at: node)
    }
}

extension Node {
    var kindName: String {
        switch self {
        case .scalar: "value"
        case .mapping: "mapping"
        case .sequence: "list"
        case .alias: "alias"
        }
    }

    var isNull: Bool {
        if case .scalar(let scalar) = self { return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string) }
        return false
    }
}
