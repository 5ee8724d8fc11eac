public import MixdownRecipe

/// What a render service reports when a dispatch ends (`POST` to the dispatch's `callbackUrl`).
public struct RenderCallback: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case succeeded, failed
    }

    public struct Output: Sendable, Hashable, Codable {
        public var name: String
        public var key: String
        public var bytes: Int
        public var durationSeconds: Double?
        public var sha256: String

        public init(name: String, key: String, bytes: Int, durationSeconds: Double?, sha256: String) {
            self.name = name
            self.key = key
            self.bytes = bytes
            self.durationSeconds = durationSeconds
            self.sha256 = sha256
        }
    }

    /// Why a dispatch failed.
    public struct Failure: Sendable, Hashable, Codable {
        public var code: String
        public var message: String

        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    public var jobId: String
    public var status: Status
    public var outputs: [Output]
    public var error: Failure?

    public init(jobId: String, status: Status, outputs: [Output], error: Failure?) {
        self.jobId = jobId
        self.status = status
        self.outputs = outputs
        self.error = error
    }

    public static func failed(_ jobId: String, _ error: MixdownError) -> RenderCallback {
        RenderCallback(jobId: jobId, status: .failed, outputs: [], error: Failure(code: error.code.rawValue, message: error.message))
    }
}
