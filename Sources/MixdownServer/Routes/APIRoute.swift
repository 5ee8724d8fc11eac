/// A route as OpenAPI names it: a method and a path with `{parameter}` segments. ``MixdownAPI/routes`` reads
/// the list back from the router, and a test checks it against `Schemas/openapi.yaml` in both directions.
public struct APIRoute: Sendable, Hashable, CustomStringConvertible {
    public var method: String
    public var path: String

    public init(method: String, path: String) {
        self.method = method
        self.path = path
    }

    public var description: String { "\(method) \(path)" }

    /// The per-feature submission routes (`POST /v1/{feature}` and `GET`/`DELETE /v1/{feature}/{jobId}`),
    /// thin aliases over the jobs routes.
    public static let features = ["ingest", "edit/preview", "edit/save", "render"]
}
