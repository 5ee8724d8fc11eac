/// What a running plan reports: the same events for every job type, so the CLI, the worker and the API
/// can all show progress the same way.
public struct ExecutionEvent: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case stageStarted = "stage-started"
        case progress
        case measured
        case stageFinished = "stage-finished"
        /// A child process started; `message` is its pid, which is also its process group.
        case processStarted = "process-started"
    }

    public var kind: Kind
    public var stage: String
    /// 0...1 within the stage.
    public var stageProgress: Double
    /// 0...1 over the whole plan.
    public var progress: Double
    public var message: String?

    public init(kind: Kind, stage: String, stageProgress: Double, progress: Double, message: String? = nil) {
        self.kind = kind
        self.stage = stage
        self.stageProgress = stageProgress
        self.progress = progress
        self.message = message
    }
}
