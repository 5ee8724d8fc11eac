/// The parts of an HTTP request that AWS Signature Version 4 covers.
public struct SigV4Request: Sendable, Hashable {
    /// A query parameter or header: a name and a value, unencoded.
    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var method: String
    /// The `Host` header as sent: the host name, and `:port` when the port is not the scheme's default.
    public var host: String
    /// The path as sent, already percent-encoded once (``SigV4Encoding/encodePath(_:)``); S3 paths are
    /// signed as they are, never normalised or encoded a second time.
    public var path: String
    /// Query parameters, unencoded, in the order they should appear on a presigned URL.
    public var query: [Field]
    /// Headers to sign besides `host` and the `x-amz-*` ones the signer adds (`content-type`, `range`).
    public var headers: [Field]

    public init(method: String, host: String, path: String, query: [Field] = [], headers: [Field] = []) {
        self.method = method
        self.host = host
        self.path = path
        self.query = query
        self.headers = headers
    }

    /// Every query parameter encoded and sorted by encoded name, then value: the canonical form, which
    /// is also a valid query string to send.
    public var canonicalQuery: String {
        Self.canonicalQuery(query)
    }

    static func canonicalQuery(_ items: [Field]) -> String {
        items.map { (SigV4Encoding.encode($0.name), SigV4Encoding.encode($0.value)) }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }
}
