public import MixdownRecipe

/// What a job does; each type has its own timeout.
public enum JobType: String, Sendable, Hashable, Codable, CaseIterable {
    case ingest
    case preview
    case save
    case render

    /// The type a recipe becomes: an edit is a `save`, or a `preview` when a preview window is asked for.
    public init(kind: JobKind, preview: Bool) {
        switch kind {
        case .ingest: self = .ingest
        case .render: self = .render
        case .edit: self = preview ? .preview : .save
        }
    }
}
