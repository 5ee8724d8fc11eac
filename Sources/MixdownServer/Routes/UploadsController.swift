internal import Hummingbird

/// `POST /v1/uploads`: media streamed into storage as an asset.
struct UploadsController {
    let api: MixdownAPI

    func addRoutes(to v1: some RouterMethods<BasicRequestContext>) {
        v1.post("uploads") { request, context in try await api.upload(request, context) }
    }
}
