public import MixdownRecipe

/// Why a job failed: the ``MixdownError`` the CLI prints and the API answers, plus, for a missed
/// expectation, the outputs that were made and rejected. Stored and served as one JSON object: the
/// error's members, then `rejected`.
public struct JobError: Error, Sendable, Hashable, Codable {
    public var error: MixdownError
    /// For `expectation-failed`: the outputs that were made and rejected, stored as assets to listen to.
    public var rejected: [JobOutput]?

    public init(_ error: MixdownError, rejected: [JobOutput]? = nil) {
        self.error = error
        self.rejected = rejected
    }

    public init(code: ErrorCode, message: String, location: SourceLocation? = nil) {
        self.init(MixdownError(code, message, location: location))
    }

    public var code: ErrorCode { error.code }
    public var message: String { error.message }
    public var location: SourceLocation? { error.location }
    /// Every recipe problem, for `invalid-recipe`.
    public var diagnostics: [MixdownError]? { error.diagnostics }
    public var isRetryable: Bool { error.isRetryable }

    private enum CodingKeys: String, CodingKey { case rejected }

    public init(from decoder: any Decoder) throws {
        self.error = try MixdownError(from: decoder)
        self.rejected = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent([JobOutput].self, forKey: .rejected)
    }

    public func encode(to encoder: any Encoder) throws {
        try error.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(rejected, forKey: .rejected)
    }
}
