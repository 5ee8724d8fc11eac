internal import Hummingbird

/// `/v1/assets`: metadata behind the API key; the content route in the group without it, because it checks
/// a signed URL (or an API key) itself, so players and downloads can fetch a link.
struct AssetsController {
    let api: MixdownAPI

    func addRoutes(keyed: some RouterMethods<BasicRequestContext>, signed: some RouterMethods<BasicRequestContext>) {
        keyed.get("assets/:assetId") { _, context in try await api.assetMetadata(context) }
        signed.get("assets/:assetId/content") { request, context in try await api.assetContent(request, context) }
    }
}
