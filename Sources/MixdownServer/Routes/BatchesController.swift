internal import Hummingbird

/// `/v1/batches`: one recipe over many input sets, queued as jobs of one batch.
struct BatchesController {
    let api: MixdownAPI

    func addRoutes(to v1: some RouterMethods<BasicRequestContext>) {
        v1.group("batches")
            .post { request, context in try await api.submitBatch(request, context) }
            .get(":batchId") { request, context in try await api.showBatch(request, context) }
            .post(":batchId/cancel") { _, context in try await api.cancelBatch(context) }
            .get(":batchId/events") { _, context in try await api.batchEvents(context) }
    }
}
