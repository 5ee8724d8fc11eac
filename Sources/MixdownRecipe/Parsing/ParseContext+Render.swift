internal import Yams

extension ParseContext {
    static let renderKeys = ["device"]

    /// `render: { device: auto | cpu | gpu }`, which only a render recipe may carry.
    func parseRender(_ node: Node, kind: JobKind) -> RenderDevice? {
        guard case .mapping(let mapping) = node else {
            error(.badValue, "'render' must be a mapping such as { device: gpu }", at: node)
            return nil
        }
        guard kind == .render else {
            error(.badKey, "'render' applies only to recipes of kind render; this one is \(kind.rawValue)", at: node)
            return nil
        }
        var device: RenderDevice?
        for (key, value) in mapping {
            guard spend(key), spend(value) else { continue }
            guard let field = key.scalar?.string else {
                error(.badKey, "a key in 'render' must be text, such as device", at: key)
                continue
            }
            guard field == "device" else {
                error(
                    .unknownKey,
                    "unknown key \(Excerpt.quoted(field)) in 'render'",
                    at: key,
                    suggestion: Suggestion.closest(to: field, in: Self.renderKeys)
                )
                continue
            }
            guard let text = scalarText(value, what: "'device'") else { continue }
            guard let parsed = RenderDevice(rawValue: text.lowercased()) else {
                error(
                    .badValue,
                    "'device' must be one of \(RenderDevice.allCases.map(\.rawValue).joined(separator: ", ")), not \(Excerpt.excerpt(text))",
                    at: value,
                    suggestion: Suggestion.closest(to: text, in: RenderDevice.allCases.map(\.rawValue))
                )
                continue
            }
            device = parsed
        }
        return device
    }
}
