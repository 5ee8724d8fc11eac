internal import Foundation
internal import Yams

extension ParseContext {
    func parseParams(_ node: Node) {
        guard case .mapping(let mapping) = node else {
            error("bad-value", "'params' must be a mapping of names to default values", at: node)
            return
        }
        for (key, value) in mapping {
            guard spend(key), spend(value) else { return }
            guard let name = key.scalar?.string, ParseContext.isIdentifier(name) else {
                error("bad-param", "a param name must start with a letter and use letters, digits, '-' or '_'", at: key)
                continue
            }
            guard let scalar = value.scalar else {
                error("bad-param", "param '\(name)' needs a scalar default (a number, true/false or text)", at: value)
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

    /// `--set` values replace defaults; each must fit the type its default implies.
    func applyOverrides() {
        for (name, value) in options.parameterOverrides.sorted(by: { $0.key < $1.key }) {
            guard let kind = declaredParams[name] else {
                error(
                    "unknown-param",
                    "--set \(name): the recipe declares no param '\(name)'",
                    at: nil as SourceLocation?,
                    suggestion: Suggestion.closest(to: name, in: declaredParams.keys)
                )
                continue
            }
            switch kind {
            case .number where UnitParser.number(value) == nil:
                error("bad-param", "--set \(name)=\(value): '\(name)' is a number (its default is \(params[name] ?? ""))", at: nil as SourceLocation?)
            case .boolean where !["true", "false"].contains(value):
                error("bad-param", "--set \(name)=\(value): '\(name)' is true or false", at: nil as SourceLocation?)
            default:
                params[name] = value
            }
        }
    }

    /// Replaces `${name}` with param values; reports unknown names at the scalar.
    func substitute(_ text: String, at node: Node) -> String? {
        guard text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            let afterOpen = rest[start.upperBound...]
            guard let close = afterOpen.firstIndex(of: "}") else {
                error("bad-substitution", "unterminated '${' in '\(text)'", at: node)
                return nil
            }
            let name = String(afterOpen[..<close])
            guard let value = params[name] else {
                error(
                    "unknown-param",
                    "unknown param '\(name)'" + (params.isEmpty ? " (the recipe declares no params)" : ""),
                    at: node,
                    suggestion: Suggestion.closest(to: name, in: params.keys)
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
            error("bad-value", "\(what) must be a single value, not a \(node.kindName)", at: node)
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
