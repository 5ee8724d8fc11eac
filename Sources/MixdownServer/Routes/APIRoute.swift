internal import Foundation

/// Every route the server serves, as OpenAPI paths. The router is built from this table and a test checks
/// it against `Schemas/openapi.yaml`, so the document and the server cannot drift apart.
public struct APIRoute: Sendable, Hashable, CustomStringConvertible {
    public var method: String
    public var path: String

    public var description: String { "\(method) \(path)" }

    /// The Hummingbird form of the path: `{id}` becomes `:id`.
    var routerPath: String {
        path.replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: "")
    }

    public static let features = ["ingest", "edit/preview", "edit/save", "render"]

    public static var all: [APIRoute] {
        var routes: [APIRoute] = [
            .init(method: "GET", path: "/healthz"),
            .init(method: "GET", path: "/readyz"),
            .init(method: "GET", path: "/metrics"),
            .init(method: "POST", path: "/v1/jobs"),
            .init(method: "GET", path: "/v1/jobs"),
            .init(method: "GET", path: "/v1/jobs/{jobId}"),
            .init(method: "DELETE", path: "/v1/jobs/{jobId}"),
            .init(method: "POST", path: "/v1/jobs/{jobId}/cancel"),
            .init(method: "GET", path: "/v1/jobs/{jobId}/events"),
            .init(method: "POST", path: "/v1/uploads"),
            .init(method: "GET", path: "/v1/assets/{assetId}"),
            .init(method: "GET", path: "/v1/assets/{assetId}/content"),
            .init(method: "POST", path: "/v1/recipes/validate"),
            .init(method: "POST", path: "/v1/recipes/plan"),
            .init(method: "POST", path: "/v1/webhooks/render"),
        ]
        for feature in features {
            routes += [
                .init(method: "POST", path: "/v1/\(feature)"),
                .init(method: "GET", path: "/v1/\(feature)/{jobId}"),
                .init(method: "DELETE", path: "/v1/\(feature)/{jobId}"),
            ]
        }
        return routes
    }
}
