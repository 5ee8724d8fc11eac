/// A failed S3 request: which operation on which key, the HTTP status and S3's own error code and
/// message when the server sent them. It never holds credentials: the message comes from the server's
/// error document or the transport, and neither contains the secret.
public struct S3Error: Error, Sendable, Hashable, CustomStringConvertible {
    /// The S3 API operation, such as `PutObject` or `UploadPart`.
    public var operation: String
    /// The object's key within the bucket (with the configured prefix), when the operation has one.
    public var key: String?
    /// The HTTP status; nil when no response came (a connection error).
    public var status: Int?
    /// S3's error code, such as `NoSuchKey`, `AccessDenied` or `SlowDown`.
    public var s3Code: String?
    public var message: String

    public init(operation: String, key: String?, status: Int?, s3Code: String?, message: String) {
        self.operation = operation
        self.key = key
        self.status = status
        self.s3Code = s3Code
        self.message = message
    }

    /// Whether trying again may succeed: server errors, throttling and connection failures, never
    /// another client error.
    public var isRetryable: Bool {
        guard let status else { return true }
        if status >= 500 || status == 429 { return true }
        return Self.retryableCodes.contains(s3Code ?? "")
    }

    /// Throttling, and the server errors S3 may also put in a 200 answer to CompleteMultipartUpload.
    static let retryableCodes: Set<String> = [
        "SlowDown", "Throttling", "ThrottlingException", "RequestThrottled", "TooManyRequestsException", "InternalError", "ServiceUnavailable",
    ]

    public var description: String {
        var text = "S3 \(operation)"
        if let key { text += " of '\(key)'" }
        text += " failed"
        if let status { text += " with HTTP \(status)" }
        if let s3Code { text += " (\(s3Code))" }
        return message.isEmpty ? text : "\(text): \(message)"
    }
}

extension S3Error: BackendUnavailable {
    /// Connection failures, 5xx and throttling: the bucket is away or overloaded, not refusing the request.
    public var isUnavailable: Bool { isRetryable }
}
