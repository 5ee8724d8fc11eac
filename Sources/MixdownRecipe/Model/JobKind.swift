/// What a recipe does, which decides the job type it becomes.
public enum JobKind: String, Sendable, Hashable, Codable, CaseIterable {
    case ingest
    case edit
    case render
}
