internal import Hummingbird

/// `/v1/jobs` and its per-feature aliases (``APIRoute/features``): submit, list, show, cancel, retry, events.
struct JobsController {
    let api: MixdownAPI

    func addRoutes(to v1: some RouterMethods<BasicRequestContext>) {
        v1.group("jobs")
            .post { request, context in try await api.submit(request, context, feature: nil) }
            .get { request, _ in try await api.list(request) }
            .get(":jobId") { _, context in try await api.show(context) }
            .delete(":jobId") { _, context in try await api.cancel(context) }
            .post(":jobId/cancel") { _, context in try await api.cancel(context) }
            .post(":jobId/retry") { _, context in try await api.retry(context) }
            .get(":jobId/events") { _, context in try await api.events(context) }
        // Thin wrappers over the same handlers and the same store: every job is visible and cancellable
        // through every alias.
        for feature in APIRoute.features {
            v1.group(RouterPath(feature))
                .post { request, context in try await api.submit(request, context, feature: feature) }
                .get(":jobId") { _, context in try await api.show(context) }
                .delete(":jobId") { _, context in try await api.cancel(context) }
        }
    }
}
