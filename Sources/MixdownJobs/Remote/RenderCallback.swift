internal import Foundation
public import MixdownRecipe

/// What a render service reports (`POST` to the dispatch's `callbackUrl`): progress while a dispatch
/// runs (`running`), and once how it ended.
public struct RenderCallback: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case running, succeeded, failed
    }

    /// Bounds on what a callback may carry: the API reads it from the network.
    public static let maximumOutputs = DispatchDocument.maximumOutputs

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
    /// The dispatch's `dispatchId`.
    public var dispatchId: String
    public var status: Status
    /// 0...1, with `running`.
    public var progress: Double?
    public var outputs: [Output]
    public var error: Failure?

    public init(jobId: String, dispatchId: String, status: Status, progress: Double? = nil, outputs: [Output], error: Failure?) {
        self.jobId = jobId
        self.dispatchId = dispatchId
        self.status = status
        self.progress = progress
        self.outputs = outputs
        self.error = error
    }

    public static func failed(_ document: DispatchDocument, _ error: MixdownError) -> RenderCallback {
        failed(jobId: document.jobId, dispatchId: document.dispatchId, error)
    }

    public static func failed(jobId: String, dispatchId: String, _ error: MixdownError) -> RenderCallback {
        RenderCallback(
            jobId: jobId,
            dispatchId: dispatchId,
            status: .failed,
            outputs: [],
            error: Failure(code: error.code.rawValue, message: error.message)
        )
    }

    static func isValidDispatchId(_ text: String) -> Bool {
        (1...128).contains(text.utf8.count)
            && text.utf8.allSatisfy {
                $0 == 0x2D || $0 == 0x5F || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0)
            }
    }

    /// Refuses a callback the API will not record, naming the member at fault.
    public func validate() throws(MixdownError) {
        func refuse(_ pointer: String, _ message: String) -> MixdownError { MixdownError(.badJson, message, pointer: pointer) }
        guard Identifier.isValid(jobId, prefix: "job_") else { throw refuse("/jobId", "not a job id (job_ and 26 characters)") }
        guard Self.isValidDispatchId(dispatchId) else { throw refuse("/dispatchId", "a dispatch id is 1 to 128 letters, digits, '-' or '_'") }
        guard outputs.count <= Self.maximumOutputs else { throw refuse("/outputs", "more than \(Self.maximumOutputs) outputs") }
        switch status {
        case .running:
            guard let progress, progress.isFinite, (0...1).contains(progress) else { throw refuse("/progress", "progress is a number from 0 to 1") }
        case .succeeded:
            guard !outputs.isEmpty else { throw refuse("/outputs", "a succeeded render reports its outputs") }
        case .failed:
            guard let error else { throw refuse("/error", "a failed render says why") }
            guard (1...64).contains(error.code.utf8.count), error.message.utf8.count <= 16 * 1024 else {
                throw refuse("/error", "an error code is 1 to 64 bytes and its message at most 16 KiB")
            }
        }
        for (index, output) in outputs.enumerated() {
            guard (1...128).contains(output.name.utf8.count) else { throw refuse("/outputs/\(index)/name", "an output name is 1 to 128 bytes") }
            guard output.bytes >= 0 else { throw refuse("/outputs/\(index)/bytes", "a size is not negative") }
            guard output.sha256.utf8.count == 64, output.sha256.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
                throw refuse("/outputs/\(index)/sha256", "a SHA-256 is 64 lowercase hexadecimal digits")
            }
            if let seconds = output.durationSeconds, !(seconds.isFinite && seconds >= 0) {
                throw refuse("/outputs/\(index)/durationSeconds", "a duration is a finite, non-negative number")
            }
        }
    }
}
