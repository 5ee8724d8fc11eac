internal import Foundation
public import Hummingbird
internal import NIOHTTP1
public import MixdownRecipe

/// An RFC 9457 problem document (`application/problem+json`): a ``MixdownError`` as the API answers it,
/// with its code, whether to retry, and where it points (a recipe location, or a JSON pointer into the
/// request body); recipe errors list every diagnostic `mixdown validate` prints.
public struct ProblemDocument: Error, Codable, Sendable, HTTPResponseError {
    public var type: String
    public var title: String
    /// The HTTP status code, as the document's `status` member.
    public var statusCode: Int
    public var detail: String
    public var code: ErrorCode
    public var retryable: Bool
    public var location: SourceLocation?
    public var pointer: String?
    public var errors: [MixdownError]?

    /// The error with an explicit status, for codes whose status depends on the route (a 413 for a body
    /// against a 422 for a recipe value).
    public init(_ status: HTTPResponse.Status, _ error: MixdownError) {
        self.type = "https://mixdown.dev/problems/\(error.code.rawValue)"
        self.title = Self.title(for: status)
        self.statusCode = status.code
        self.detail = error.message
        self.code = error.code
        self.retryable = error.isRetryable
        self.location = error.location
        self.pointer = error.pointer
        self.errors = error.diagnostics
    }

    /// The status's standard reason phrase, the same for every problem of that status (RFC 9457's
    /// `title`): a status made from its number alone (`Status(code:)`) carries an empty one.
    static func title(for status: HTTPResponse.Status) -> String {
        guard status.reasonPhrase.isEmpty else { return status.reasonPhrase }
        let named: [HTTPResponse.Status] = [
            .badRequest, .unauthorized, .forbidden, .notFound, .methodNotAllowed, .conflict, .gone, .contentTooLarge,
            .unsupportedMediaType, .rangeNotSatisfiable, .unprocessableContent, .tooManyRequests, .internalServerError,
            .badGateway, .serviceUnavailable, .gatewayTimeout,
        ]
        return named.first { $0.code == status.code }?.reasonPhrase ?? HTTPResponseStatus(statusCode: status.code).reasonPhrase
    }

    /// The error with its code's own status.
    public init(_ error: MixdownError) {
        self.init(HTTPResponse.Status(code: error.code.httpStatus), error)
    }

    public init(_ status: HTTPResponse.Status, code: ErrorCode, detail: String, pointer: String? = nil) {
        self.init(status, MixdownError(code, detail, pointer: pointer))
    }

    public static func invalidRecipe(_ error: RecipeError) -> ProblemDocument {
        ProblemDocument(.unprocessableContent, error.error)
    }

    public static func notFound(_ what: String) -> ProblemDocument {
        ProblemDocument(.notFound, code: .notFound, detail: "no \(what)")
    }

    private enum CodingKeys: String, CodingKey {
        case type, title, statusCode = "status", detail, code, retryable, location, pointer, errors
    }

    public var status: HTTPResponse.Status { HTTPResponse.Status(code: statusCode) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(self)
        return Response(
            status: status,
            headers: [.contentType: "application/problem+json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

/// JSON responses with sorted keys, the way the CLI prints them.
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// JSON already written (``JSONWriter``).
    static func raw(_ json: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: json)))
    }
}
