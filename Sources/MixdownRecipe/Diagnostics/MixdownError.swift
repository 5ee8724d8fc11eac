/// The one error value mixdown reports: a stable code, a message a user can act on, and where it applies
/// the place to fix (a recipe's `file:line:column`, or a JSON pointer into a request body).
///
/// The same value is printed by the CLI (``description``), answered by the API as a problem document, and
/// stored as a failed job's `error`; ``isRetryable`` says whether another attempt may succeed.
public struct MixdownError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: ErrorCode
    /// What is wrong, in words the user can act on.
    public var message: String
    /// Where the offending recipe node starts.
    public var location: SourceLocation?
    /// Where the offending member of a JSON request body is (RFC 6901), e.g. `/parameters/lufs`.
    public var pointer: String?
    /// A likely fix, e.g. the operation name the author probably meant.
    public var suggestion: String?
    /// For `invalid-recipe`: every problem found, each at its own location.
    public var diagnostics: [MixdownError]?

    public init(
        _ code: ErrorCode,
        _ message: String,
        location: SourceLocation? = nil,
        pointer: String? = nil,
        suggestion: String? = nil,
        diagnostics: [MixdownError]? = nil
    ) {
        self.code = code
        self.message = message
        self.location = location
        self.pointer = pointer
        self.suggestion = suggestion
        self.diagnostics = diagnostics
    }

    /// The labelled form recipe diagnostics are written in.
    public init(code: ErrorCode, message: String, location: SourceLocation? = nil, suggestion: String? = nil) {
        self.init(code, message, location: location, suggestion: suggestion)
    }

    /// Whether another attempt at the same work may succeed.
    public var isRetryable: Bool { code.isRetryable }

    /// `FILE:LINE:COLUMN: error: message (did you mean 'x'?)`, the shape compilers use so editors can jump to it.
    public var description: String {
        let prefix = location.map { "\($0): " } ?? pointer.map { "\($0.isEmpty ? "/" : $0): " } ?? ""
        let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
        return "\(prefix)error: \(message)\(hint)"
    }
}

extension MixdownError: Codable {
    private enum CodingKeys: String, CodingKey {
        case code, message, location, pointer, suggestion, diagnostics, retryable
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // A code this build does not know (another version wrote it) reads as `internal` rather than failing
        // the whole record; the message keeps the code it was written with.
        let written = try container.decode(String.self, forKey: .code)
        let code = ErrorCode(rawValue: written)
        let message = try container.decode(String.self, forKey: .message)
        self.init(
            code ?? .internal,
            code == nil ? "[\(written)] \(message)" : message,
            location: try container.decodeIfPresent(SourceLocation.self, forKey: .location),
            pointer: try container.decodeIfPresent(String.self, forKey: .pointer),
            suggestion: try container.decodeIfPresent(String.self, forKey: .suggestion),
            diagnostics: try container.decodeIfPresent([MixdownError].self, forKey: .diagnostics)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        try container.encode(message, forKey: .message)
        try container.encodeIfPresent(location, forKey: .location)
        try container.encodeIfPresent(pointer, forKey: .pointer)
        try container.encodeIfPresent(suggestion, forKey: .suggestion)
        try container.encodeIfPresent(diagnostics, forKey: .diagnostics)
        try container.encode(isRetryable, forKey: .retryable)
    }
}
