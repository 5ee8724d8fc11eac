internal import Crypto
public import Foundation

/// AWS Signature Version 4 for S3, written out by hand: canonical request, string to sign, signing key,
/// `Authorization` header and presigned (query-signed) URLs.
///
/// Pure: no I/O and no clock of its own; every call takes the signing time, so tests can pin it and
/// compare each intermediate string with botocore's.
public struct SigV4Signer: Sendable {
    /// The payload hash that tells S3 the body is not signed (its integrity rests on TLS).
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// The SHA-256 of an empty body.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// The longest a presigned URL may stay valid: seven days.
    public static let maximumExpiry = 604_800

    public var credentials: SigV4Credentials
    public var region: String
    public var service: String

    public init(credentials: SigV4Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// What signing a request produced: every intermediate string, and the headers to send.
    public struct HeaderSignature: Sendable, Hashable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        /// The `Authorization` header's value.
        public var authorization: String
        /// The headers to send besides `host`: the request's own, the `x-amz-*` ones, and `authorization`.
        public var headers: [SigV4Request.Field]
    }

    /// What presigning a request produced.
    public struct QuerySignature: Sendable, Hashable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        /// The URL's whole query string: the request's parameters, the `X-Amz-*` ones, then the signature.
        public var query: String
    }

    /// Signs `request` with an `Authorization` header. `payloadHash` is the body's hex SHA-256, or
    /// ``unsignedPayload``; it is also sent as `x-amz-content-sha256`, which S3 requires.
    public func signHeaders(_ request: SigV4Request, payloadHash: String, date: Date) -> HeaderSignature {
        let time = Timestamp(date)
        var headers = request.headers
        headers.append(.init("x-amz-content-sha256", payloadHash))
        headers.append(.init("x-amz-date", time.dateTime))
        if let token = credentials.sessionToken { headers.append(.init("x-amz-security-token", token)) }
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(headers + [.init("host", request.host)])
        let canonical = [
            request.method, request.path, request.canonicalQuery, canonicalHeaders + "\n", signedHeaders, payloadHash,
        ]
        .joined(separator: "\n")
        let toSign = stringToSign(canonicalRequest: canonical, time: time)
        let signature = self.signature(stringToSign: toSign, dateStamp: time.date)
        let authorization =
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(scope(time)), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return HeaderSignature(
            canonicalRequest: canonical,
            stringToSign: toSign,
            signature: signature,
            authorization: authorization,
            headers: headers + [.init("authorization", authorization)]
        )
    }

    /// Presigns `request` for `expiresInSeconds` (1 second to 7 days) from `date`. The request's headers
    /// (say `content-type` on a PUT) are signed too, so whoever uses the URL must send the same values.
    public func presign(_ request: SigV4Request, expiresInSeconds: Int, date: Date) throws(StorageError) -> QuerySignature {
        guard (1...Self.maximumExpiry).contains(expiresInSeconds) else {
            throw StorageError.io("a presigned URL lasts 1 to \(Self.maximumExpiry) seconds (7 days), not \(expiresInSeconds)")
        }
        let time = Timestamp(date)
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(request.headers + [.init("host", request.host)])
        // botocore's order, which AWS documents: the operation's parameters, then the authentication ones.
        var authentication: [SigV4Request.Field] = [
            .init("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            .init("X-Amz-Credential", "\(credentials.accessKeyId)/\(scope(time))"),
            .init("X-Amz-Date", time.dateTime),
            .init("X-Amz-Expires", String(expiresInSeconds)),
            .init("X-Amz-SignedHeaders", signedHeaders),
        ]
        if let token = credentials.sessionToken { authentication.append(.init("X-Amz-Security-Token", token)) }
        let everything = request.query + authentication
        let canonical = [
            request.method, request.path, SigV4Request.canonicalQuery(everything), canonicalHeaders + "\n", signedHeaders,
            Self.unsignedPayload,
        ]
        .joined(separator: "\n")
        let toSign = stringToSign(canonicalRequest: canonical, time: time)
        let signature = self.signature(stringToSign: toSign, dateStamp: time.date)
        let query = (everything + [.init("X-Amz-Signature", signature)])
            .map { "\(SigV4Encoding.encode($0.name))=\(SigV4Encoding.encode($0.value))" }
            .joined(separator: "&")
        return QuerySignature(canonicalRequest: canonical, stringToSign: toSign, signature: signature, query: query)
    }

    /// The hex SHA-256 of a body, for `x-amz-content-sha256`.
    public static func payloadHash(_ body: Data) -> String { hex(SHA256.hash(data: body)) }

    /// `AWS4-HMAC-SHA256`, the time, the credential scope and the canonical request's hash, one a line.
    public func stringToSign(canonicalRequest: String, date: Date) -> String {
        stringToSign(canonicalRequest: canonicalRequest, time: Timestamp(date))
    }

    /// The hex HMAC of `stringToSign` under the key derived for the day of `date`.
    public func signature(stringToSign: String, date: Date) -> String {
        signature(stringToSign: stringToSign, dateStamp: Timestamp(date).date)
    }

    private func stringToSign(canonicalRequest: String, time: Timestamp) -> String {
        ["AWS4-HMAC-SHA256", time.dateTime, scope(time), Self.hex(SHA256.hash(data: Data(canonicalRequest.utf8)))]
            .joined(separator: "\n")
    }

    private func signature(stringToSign: String, dateStamp: String) -> String {
        Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: signingKey(dateStamp: dateStamp)))
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
    func signingKey(dateStamp: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [dateStamp, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    private func scope(_ time: Timestamp) -> String {
        "\(time.date)/\(region)/\(service)/aws4_request"
    }

    /// Lower-case names, values trimmed with inner runs of white space collapsed, repeated names joined
    /// with commas, sorted by name; and the `;`-joined list of names.
    static func canonicalHeaders(_ headers: [SigV4Request.Field]) -> (String, String) {
        var values: [String: [String]] = [:]
        for header in headers {
            let value = header.value.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            values[header.name.lowercased(), default: []].append(value)
        }
        let names = values.keys.sorted()
        let canonical = names.map { "\($0):\(values[$0, default: []].joined(separator: ","))" }.joined(separator: "\n")
        return (canonical, names.joined(separator: ";"))
    }

    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    static func hex<Digest: Crypto.Digest>(_ digest: Digest) -> String { hex(Array(digest)) }

    static func hex<Code: MessageAuthenticationCode>(_ code: Code) -> String { hex(Array(code)) }
}
