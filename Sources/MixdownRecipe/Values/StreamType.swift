/// What kind of stream a step consumes or produces; the parser rejects a step given the wrong kind.
public enum StreamType: String, Sendable, Hashable, Codable, CaseIterable {
    case audio
    /// Video with its soundtrack, as `visualize` makes it.
    case video
    case image
    /// A JSON document, e.g. `analyze`'s loudness report.
    case data
}
