internal import Hummingbird

/// `/v1/webhooks`: callbacks from other services, authenticated by their shared secret, not an API key.
struct WebhooksController {
    let api: MixdownAPI

    func addRoutes(to v1: some RouterMethods<BasicRequestContext>) {
        v1.post("webhooks/render") { request, context in try await api.renderWebhook(request, context) }
    }
}
