extension OperationCatalogue {
    /// The operation reference as Markdown, the block `Docs/recipes.md` carries between its markers.
    public static func markdown() -> String {
        var text = ""
        for operation in all {
            text += "### `\(operation.name)`\n\n\(operation.summary)\n\n"
            let from = operation.input.map { "reads \($0.rawValue)" } ?? "reads the tracks it names"
            text += "Streams: \(from), makes \(operation.output.rawValue)."
            if let shorthand = operation.shorthand { text += " Shorthand: a bare value sets `\(shorthand)`." }
            text += "\n\n"
            if operation.parameters.isEmpty {
                text += "No parameters.\n\n"
            } else {
                text += "| parameter | type | range | default | meaning |\n| --- | --- | --- | --- | --- |\n"
                func row(_ parameter: ParameterSpec, name: String) -> String {
                    let fallback = parameter.isRequired ? "required" : (parameter.defaultText.map { "`\($0)`" } ?? "—")
                    return "| `\(name)` | \(parameter.type.summary) | \(parameter.rangeText ?? "—") | \(fallback) | \(parameter.summary) |\n"
                }
                for parameter in operation.parameters {
                    text += row(parameter, name: parameter.name)
                    // A list of records documents each field's type, range and default too.
                    if case .records(let fields) = parameter.type {
                        for field in fields { text += row(field, name: "\(parameter.name)[].\(field.name)") }
                    }
                }
                text += "\n"
            }
            text += "```yaml\n- \(operation.example)\n```\n\n"
        }
        return text
    }

    /// One line per operation with its parameters, for `mixdown ops`.
    public static func listing() -> String {
        all.map { operation in
            let parameters = operation.parameters.map { parameter in
                parameter.name + (parameter.isRequired ? "*" : "") + ": " + parameter.type.summary
                    + (parameter.rangeText.map { " \($0)" } ?? "") + (parameter.defaultText.map { " = \($0)" } ?? "")
            }
            return "\(operation.name.padding(12))  \(operation.parameters.isEmpty ? "(no parameters)" : parameters.joined(separator: ", "))\n"
                + "\(String(repeating: " ", count: 14))\(operation.summary)"
        }.joined(separator: "\n")
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
