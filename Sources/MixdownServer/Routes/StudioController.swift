internal import Foundation
internal import HTTPTypes
internal import Hummingbird
import MixdownRecipe
internal import NIOCore

/// The web studio: `GET /` is its page, `GET /studio/{file}` its script and style sheet. Outside `/v1` and
/// without an API key: the page holds no data, and asks for the key itself when the API needs one.
struct StudioController {
    let studio: StudioFiles

    func addRoutes(to router: some RouterMethods<BasicRequestContext>) {
        router.get("/") { request, context in try serve("index.html", request, context) }
        router.get("studio/:file") { request, context in try serve(context.parameters.require("file"), request, context) }
    }

    func serve(_ name: String, _ request: Request, _ context: BasicRequestContext) throws -> Response {
        guard let file = studio.files[name] else {
            // A problem document, still under the page's headers.
            let problem = ProblemDocument(.notFound, code: .notFound, detail: studio.problem ?? "no studio file \(Excerpt.excerpt(name))")
            var response = try problem.response(from: request, context: context)
            for field in studio.headers { response.headers[field.name] = field.value }
            return response
        }
        var headers = studio.headers
        headers[.eTag] = file.etag
        if let tags = request.headers[.ifNoneMatch], Self.matches(tags, file.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = file.contentType
        headers[.contentLength] = String(file.bytes.count)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }

    /// `If-None-Match` compares weakly (RFC 9110, 13.1.2): `W/"x"` matches `"x"`, and `*` matches any.
    static func matches(_ header: String, _ etag: String) -> Bool {
        header.split(separator: ",").contains { part in
            var tag = part.trimmingCharacters(in: .whitespaces)
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag == "*" || tag == etag
        }
    }
}
