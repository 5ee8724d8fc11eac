internal import Hummingbird

/// `/v1/recipes`: the CLI's validate and plan over HTTP.
struct RecipesController {
    let api: MixdownAPI

    func addRoutes(to v1: some RouterMethods<BasicRequestContext>) {
        v1.group("recipes")
            .post("validate") { request, context in try await api.validate(request, context) }
            .post("plan") { request, context in try await api.plan(request, context) }
    }
}
