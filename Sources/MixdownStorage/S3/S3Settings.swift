internal import Foundation

/// Where an ``S3Storage`` keeps objects and how it talks to the bucket. Built once at start-up; every
/// problem with the values is named at once in an ``S3ConfigurationError``.
public struct S3Settings: Sendable, Hashable {
    /// How the bucket appears in request URLs.
    public enum AddressingStyle: String, Sendable, Hashable {
        /// `https://host/bucket/key`: works with every S3-compatible server (MinIO, R2, moto).
        case path
        /// `https://bucket.host/key`: what AWS recommends; needs a bucket name that is a DNS label.
        case virtualHost = "virtual-host"
    }

    public static let mebibyte = 1 << 20
    /// Parts a streamed upload (``S3Storage/put(stream:key:contentType:maximumBytes:)``) holds in memory at
    /// once: one filling from the body while the others are sent.
    public static let streamedPartsInMemory = 3
    /// S3's smallest part, except the last one.
    public static let minimumPartSize = 5 * mebibyte
    /// S3's largest single PUT and largest part.
    public static let maximumPartSize = 5 << 30
    /// S3's largest part count.
    public static let maximumPartCount = 10_000

    /// `http` or `https`.
    public var scheme: String
    /// The endpoint's host name, without the bucket.
    public var host: String
    /// The endpoint's port when it is not the scheme's default.
    public var port: Int?
    /// The signing region; `auto` for Cloudflare R2.
    public var region: String
    public var bucket: String
    /// Put in front of every key: empty, or ending with `/`.
    public var keyPrefix: String
    public var credentials: SigV4Credentials
    /// A public or CDN URL under which objects are readable without signing (no trailing `/`); when set,
    /// download URLs point there instead of being presigned.
    public var publicBaseURL: String?
    public var addressingStyle: AddressingStyle
    /// Files larger than this go up in parts.
    public var multipartThreshold: Int
    /// The size of each part (raised when a file would need more than 10,000 parts).
    public var partSize: Int
    /// How many parts of one file are sent at once.
    public var partConcurrency: Int
    /// How many times a failed request is tried again (server errors, throttling, lost connections).
    public var retries: Int

    /// Checks and normalises every value. `endpoint` nil means AWS (`https://s3.REGION.amazonaws.com`);
    /// `region` nil means `auto` for an R2 endpoint and `us-east-1` otherwise; `addressingStyle` nil means
    /// virtual-host for AWS and path for any other endpoint (and for AWS buckets whose names hold a dot,
    /// which do not match AWS's TLS certificate as a host name).
    public init(
        endpoint: String? = nil,
        region: String? = nil,
        bucket: String,
        keyPrefix: String = "",
        credentials: SigV4Credentials,
        publicBaseURL: String? = nil,
        addressingStyle: AddressingStyle? = nil,
        multipartThreshold: Int = 16 * mebibyte,
        partSize: Int = 16 * mebibyte,
        partConcurrency: Int = 4,
        retries: Int = 2
    ) throws(S3ConfigurationError) {
        var problems: [String] = []
        let endpointParts = Self.parseEndpoint(endpoint, problems: &problems)
        scheme = endpointParts?.scheme ?? "https"
        port = endpointParts?.port
        let isCloudflare = endpointParts?.host.hasSuffix(".r2.cloudflarestorage.com") ?? false
        let resolvedRegion = region.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        self.region = resolvedRegion ?? (isCloudflare ? "auto" : "us-east-1")
        if !self.region.utf8.allSatisfy({ Self.isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") }) {
            problems.append("the S3 region '\(self.region)' is not a region name such as us-east-1, or auto for R2 (S3_REGION)")
        }
        host = endpointParts?.host ?? (self.region == "us-east-1" ? "s3.amazonaws.com" : "s3.\(self.region).amazonaws.com")

        self.bucket = bucket
        if let why = Self.bucketProblem(bucket) { problems.append("the bucket name '\(bucket)' \(why)") }
        var prefixBody = Substring(keyPrefix)
        while prefixBody.hasPrefix("/") { prefixBody.removeFirst() }
        while prefixBody.hasSuffix("/") { prefixBody.removeLast() }
        if prefixBody.isEmpty {
            self.keyPrefix = ""
        } else {
            self.keyPrefix = prefixBody + "/"
            do throws(StorageError) {
                _ = try StorageKey(String(prefixBody))
            } catch {
                problems.append("the key prefix '\(keyPrefix)' is not a plain relative path: \(error)")
            }
        }

        if credentials.accessKeyId.isEmpty { problems.append("the S3 access key id is empty (S3_ACCESS_KEY_ID)") }
        if credentials.secretAccessKey.isEmpty { problems.append("the S3 secret access key is empty (S3_SECRET_ACCESS_KEY)") }
        if let token = credentials.sessionToken, token.isEmpty {
            self.credentials = SigV4Credentials(accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey)
        } else {
            self.credentials = credentials
        }

        if let publicBaseURL, !publicBaseURL.isEmpty {
            var base = publicBaseURL
            while base.hasSuffix("/") { base.removeLast() }
            if Self.parseEndpoint(base, allowPath: true, problems: &problems, label: "public base URL", variable: "S3_PUBLIC_BASE_URL") != nil {
                self.publicBaseURL = base
            } else {
                self.publicBaseURL = nil
            }
        } else {
            self.publicBaseURL = nil
        }

        let awsHost = endpointParts == nil || host.hasSuffix(".amazonaws.com") || host == "amazonaws.com"
        self.addressingStyle = addressingStyle ?? (awsHost && !bucket.contains(".") ? .virtualHost : .path)

        if !(1...Self.maximumPartSize).contains(multipartThreshold) {
            problems.append("the multipart threshold must be 1 byte to 5 GiB, not \(multipartThreshold)")
        }
        if !(Self.minimumPartSize...Self.maximumPartSize).contains(partSize) {
            problems.append("the part size must be 5 MiB to 5 GiB (S3's limits), not \(partSize)")
        }
        if !(1...64).contains(partConcurrency) { problems.append("the part concurrency must be 1 to 64, not \(partConcurrency)") }
        if !(0...10).contains(retries) { problems.append("the retry count must be 0 to 10, not \(retries)") }
        self.multipartThreshold = multipartThreshold
        self.partSize = partSize
        self.partConcurrency = partConcurrency
        self.retries = retries
        if !problems.isEmpty { throw S3ConfigurationError(problems: problems) }
    }

    /// Settings from a storage URL `s3://BUCKET` or `s3://BUCKET/PREFIX` and the values of `S3_ENDPOINT`,
    /// `S3_REGION`, `S3_ACCESS_KEY_ID`, `S3_SECRET_ACCESS_KEY`, `S3_SESSION_TOKEN` and `S3_PUBLIC_BASE_URL`.
    public init(
        url: String,
        endpoint: String?,
        region: String?,
        accessKeyId: String,
        secretAccessKey: String,
        sessionToken: String? = nil,
        publicBaseURL: String? = nil,
        addressingStyle: AddressingStyle? = nil
    ) throws(S3ConfigurationError) {
        guard url.hasPrefix("s3://") else {
            throw S3ConfigurationError(problems: ["the storage URL '\(url)' does not start with s3:// (expected s3://BUCKET or s3://BUCKET/PREFIX)"])
        }
        let rest = url.dropFirst("s3://".count)
        let bucket = String(rest.prefix { $0 != "/" })
        let prefix = String(rest.dropFirst(bucket.count))
        let credentials = SigV4Credentials(accessKeyId: accessKeyId, secretAccessKey: secretAccessKey, sessionToken: sessionToken)
        try self.init(
            endpoint: endpoint,
            region: region,
            bucket: bucket,
            keyPrefix: prefix,
            credentials: credentials,
            publicBaseURL: publicBaseURL,
            addressingStyle: addressingStyle
        )
    }

    /// The `Host` header for a request: the endpoint's host, with the bucket in front for virtual-host
    /// addressing and the port when it is not the scheme's default.
    var requestHost: String {
        let name = addressingStyle == .virtualHost ? "\(bucket).\(host)" : host
        guard let port, port != (scheme == "https" ? 443 : 80) else { return name }
        return "\(name):\(port)"
    }

    /// The encoded request path for an object, or for the bucket itself when `objectName` is nil.
    func requestPath(objectName: String?) -> String {
        let object = objectName.map(SigV4Encoding.encodePath)
        switch addressingStyle {
        case .path: return "/\(SigV4Encoding.encode(bucket))" + (object.map { "/\($0)" } ?? "")
        case .virtualHost: return "/" + (object ?? "")
        }
    }

    /// The full object name in the bucket: the prefix, then the key.
    func objectName(_ key: StorageKey) -> String { keyPrefix + key.rawValue }

    private struct EndpointParts {
        var scheme: String
        var host: String
        var port: Int?
    }

    private static func parseEndpoint(
        _ text: String?,
        allowPath: Bool = false,
        problems: inout [String],
        label: String = "endpoint",
        variable: String = "S3_ENDPOINT"
    ) -> EndpointParts? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        // Named without any user information or query it holds: those may be credentials.
        let shown: String = {
            guard var components = URLComponents(string: text) else { return "(unparsable URL)" }
            if components.user != nil || components.password != nil { components.user = "***"; components.password = nil }
            if components.query != nil { components.query = "***" }
            return components.string ?? "(unparsable URL)"
        }()
        let explain = "the S3 \(label) '\(shown)'"
        let scheme: String
        if text.lowercased().hasPrefix("https://") {
            scheme = "https"
        } else if text.lowercased().hasPrefix("http://") {
            scheme = "http"
        } else {
            problems.append("\(explain) must start with http:// or https:// (\(variable))")
            return nil
        }
        let afterScheme = text.dropFirst(scheme.count + 3)
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let remainder = afterScheme.dropFirst(authority.count)
        if !allowPath, !(remainder.isEmpty || remainder == "/") {
            problems.append("\(explain) has a path or query; give only scheme, host and port, the bucket is set separately (\(variable))")
            return nil
        }
        if allowPath, remainder.contains("?") || remainder.contains("#") {
            problems.append("\(explain) has a query or fragment (\(variable))")
            return nil
        }
        if authority.contains("@") {
            problems.append("\(explain) holds user information; credentials go in S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY")
            return nil
        }
        var host = String(authority)
        var port: Int?
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            host = String(authority[..<colon])
            guard let number = Int(authority[authority.index(after: colon)...]), (1...65_535).contains(number) else {
                problems.append("\(explain) has an invalid port (\(variable))")
                return nil
            }
            port = number
        }
        host = host.lowercased()
        let allowed = host.utf8.allSatisfy {
            isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "[")
                || $0 == UInt8(ascii: "]") || $0 == UInt8(ascii: ":")
        }
        guard !host.isEmpty, allowed else {
            problems.append("\(explain) has no valid host name (\(variable))")
            return nil
        }
        return EndpointParts(scheme: scheme, host: host, port: port)
    }

    /// AWS's and R2's rules for new buckets: 3 to 63 lower-case letters, digits, dots and hyphens, starting
    /// and ending with a letter or digit.
    private static func bucketProblem(_ bucket: String) -> String? {
        guard (3...63).contains(bucket.utf8.count) else { return "must have 3 to 63 characters" }
        guard bucket.utf8.allSatisfy({ isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }) else {
            return "may hold only lower-case letters, digits, dots and hyphens"
        }
        guard let first = bucket.utf8.first, let last = bucket.utf8.last, isLowerAlphanumeric(first), isLowerAlphanumeric(last) else {
            return "must start and end with a letter or digit"
        }
        return nil
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
