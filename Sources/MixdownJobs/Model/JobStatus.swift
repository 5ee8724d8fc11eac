/// Where a job is in its life. `succeeded`, `failed` and `cancelled` are final.
public enum JobStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case queued
    case running
    case succeeded
    case failed
    case cancelled

    public var isFinal: Bool { self == .succeeded || self == .failed || self == .cancelled }
}
