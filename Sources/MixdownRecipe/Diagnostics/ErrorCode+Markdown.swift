extension ErrorCode {
    /// Every code as Markdown tables by area, the block `Docs/errors.md` carries between its markers.
    public static func markdown() -> String {
        var text = ""
        var areas: [String] = []
        for code in allCases where !areas.contains(code.area) { areas.append(code.area) }
        for area in areas {
            text += "### \(area)\n\n| code | HTTP | retry | meaning |\n| --- | --- | --- | --- |\n"
            for code in allCases where code.area == area {
                text += "| `\(code.rawValue)` | \(code.httpStatus) | \(code.isRetryable ? "yes" : "no") | \(code.summary) |\n"
            }
            text += "\n"
        }
        return text
    }

    /// One line per code, for `mixdown errors`.
    public static func listing() -> String {
        allCases.map { code in
            let name = code.rawValue + String(repeating: " ", count: max(0, 24 - code.rawValue.count))
            return "\(name) \(code.httpStatus)  \(code.isRetryable ? "retry" : "     ")  \(code.summary)"
        }.joined(separator: "\n")
    }
}
