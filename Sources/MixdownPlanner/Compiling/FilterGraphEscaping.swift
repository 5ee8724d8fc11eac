/// Escapes text for ffmpeg filter graphs, following "Notes on filtergraph escaping" in ffmpeg-filters(1).
///
/// A value is read twice by `av_get_token`: once when the graph is split into filters (special: `[],;'\`
/// and surrounding spaces), then again when the filter's options are split (special: `:='\`). Each level
/// turns `\x` into `x` for any `x`, so escaping every character that is special at either level, at both
/// levels, is always safe and never changes the text the filter finally sees.
public enum FilterGraphEscaping {
    private static let optionSpecial: Set<Character> = ["\\", "'", ":", "=", ",", ";", "[", "]", " ", "\t", "\n", "\r", "%"]
    private static let graphSpecial: Set<Character> = ["\\", "'", "[", "]", ",", ";", " ", "\t", "\n", "\r"]

    /// Escapes `value` so it reaches a filter option unchanged, e.g. `text=` + escaped.
    public static func optionValue(_ value: String) -> String {
        escape(escape(value, optionSpecial), graphSpecial)
    }

    private static func escape(_ text: String, _ special: Set<Character>) -> String {
        var result = ""
        result.reserveCapacity(text.count * 2)
        for character in text {
            if special.contains(character) { result.append("\\") }
            result.append(character)
        }
        return result
    }
}
