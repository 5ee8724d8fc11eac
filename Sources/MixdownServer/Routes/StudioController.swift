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
        router.get("/") { request, _ in try serve("index.html", request) }
        router.get("studio/:file") { request, context in try serve(context.parameters.require("file"), request) }
    }

    func serve(_ name: String, _ request: Request) throws -> Response {
        guard let file = studio.files[name] else {
            throw ProblemDocument(.notFound, code: .notFound, detail: studio.problem ?? "no studio file \(Excerpt.excerpt(name))")
        }
        var headers = studio.headers
        headers[.eTag] = file.etag
        if let tags = request.headers[.ifNoneMatch],
            tags.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == file.etag })
        {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = file.contentType
        headers[.contentLength] = String(file.bytes.count)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }
}
