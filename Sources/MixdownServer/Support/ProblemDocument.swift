internal import Foundation
public import Hummingbird
public import MixdownRecipe

/// An RFC 9457 problem document (`application/problem+json`) with a stable `code`; recipe errors carry
/// the same diagnostics `mixdown validate` prints.
public struct ProblemDocument: Error, Codable, Sendable, HTTPResponseError {
    public var type: String
    public var title: String
    /// The HTTP status code, as the document's `status` member.
    public var statusCode: Int
    public var detail: String
    public var code: String
    public var errors: [RecipeDiagnostic]?

    public init(_ status: HTTPResponse.Status, code: String, detail: String, errors: [RecipeDiagnostic]? = nil) {
        self.type = "https://mixdown.dev/problems/\(code)"
        self.title = status.reasonPhrase
        self.statusCode = status.code
        self.detail = detail
        self.code = code
        self.errors = errors
    }

    public static func invalidRecipe(_ error: RecipeError) -> ProblemDocument {
        ProblemDocument(.unprocessableContent, code: "invalid-recipe", detail: error.description, errors: error.diagnostics)
    }

    public static func notFound(_ what: String) -> ProblemDocument {
        ProblemDocument(.notFound, code: "not-found", detail: "no \(what)")
    }

    private enum CodingKeys: String, CodingKey {
        case type, title, statusCode = "status", detail, code, errors
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
