internal import Hummingbird

/// Liveness, readiness and the metrics scrape: at the root, outside `/v1`, never behind an API key; and
/// the server's limits, under `/v1` behind it.
struct SystemController {
    let api: MixdownAPI

    func addRoutes(to router: some RouterMethods<BasicRequestContext>) {
        router.get("healthz") { _, _ in try JSONResponse.make(["status": "ok"]) }
        router.get("readyz") { _, _ in try await api.ready() }
        router.get("metrics") { _, _ in try await api.metricsText() }
    }

    func addKeyedRoutes(to v1: some RouterMethods<BasicRequestContext>) {
        v1.get("limits") { _, _ in try api.limits() }
    }
}
